// Protects the REST API and the credential boundary against hostile input: random, mistyped, huge and deeply nested requests never get a 5xx or crash anything, the Vapi secret and the API token each open only their own routes, and no secret or token ever appears in an error body or a log line.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { uniqueCode, uniquePhone } from "../support/business.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const API_TOKEN = "fuzz-api-token-0123456789abcdef";
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { API_TOKEN } });
});

const ROUTES = [
  ["POST", "/customers"],
  ["POST", "/shipments"],
  ["GET", "/shipments/1ZFUZZ"],
  ["POST", "/shipments/1ZFUZZ/events"],
  ["POST", "/services"],
  ["POST", "/slots"],
  ["POST", "/accounts"],
  ["POST", "/invoices"],
] as const;

/** A plausible body for each route, for mutation. */
const validBody = (path: string): Record<string, unknown> => {
  switch (path) {
    case "/customers":
      return { phone: uniquePhone(), name: "Fuzz", email: "f@example.com" };
    case "/shipments":
      return { trackingNumber: uniqueCode("1Z"), status: "in_transit", currentLocation: "Austin, TX" };
    case "/shipments/1ZFUZZ/events":
      return { occurredAt: "2026-03-03T14:30:00Z", description: "Scanned" };
    case "/services":
      return { code: "fuzz", name: "Fuzz service", durationMinutes: 30 };
    case "/slots":
      return { service: "fuzz", slots: [{ startsAt: "2099-03-03T14:30:00Z" }] };
    case "/accounts":
      return { accountNumber: uniqueCode("AC"), customerPhone: uniquePhone() };
    default:
      return { invoiceId: uniqueCode("INV"), accountNumber: "ACFUZZ", amountCents: 100, dueDate: "2099-01-01" };
  }
};

async function request(method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>) {
  const res = await t.app.request(`/api${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined && method !== "GET" ? { body } : {}),
  });
  return { status: res.status, text: await res.text() };
}

const authorized = { authorization: `Bearer ${API_TOKEN}` };

/** Never a 5xx, always a JSON body, never a stack trace or a credential. */
function expectSane(r: { status: number; text: string }) {
  expect(r.status).toBeLessThan(500);
  expect(() => JSON.parse(r.text)).not.toThrow();
  expect(r.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  expect(r.text).not.toContain(API_TOKEN);
  expect(r.text).not.toContain(TEST_SECRET);
}

const route = fc.constantFrom(...ROUTES);
const wrongTyped = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 5 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }),
  fc.string({ unit: "binary", minLength: 1000, maxLength: 5000 }),
);

describe("REST API fuzzing", () => {
  it("answers random JSON and random bytes on every route with a 4xx at worst", async () => {
    await fc.assert(
      fc.asyncProperty(
        route,
        fc.oneof(
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
        ),
        async ([method, path], body) => {
          expectSane(await request(method, path, body, authorized));
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(route, fc.uint8Array({ maxLength: 2000 }), async ([method, path], bytes) => {
        expectSane(await request(method, path, bytes, authorized));
      }),
      { numRuns: 60 },
    );
  });

  it("answers valid bodies with one field of the wrong type, or an extra one, with a 2xx or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.nat(), wrongTyped, fc.boolean(), async ([method, path], pick, value, extra) => {
        const body = validBody(path.startsWith("/shipments/1ZFUZZ/") ? "/shipments/1ZFUZZ/events" : path);
        const keys = Object.keys(body);
        const key = extra ? `x${pick}` : keys[pick % keys.length]!;
        expectSane(await request(method, path, JSON.stringify({ ...body, [key]: value }), authorized));
      }),
      { numRuns: 200 },
    );
  });

  it("survives deep nesting, huge strings, huge arrays and random path segments", async () => {
    const deep = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const bodies = [
      deep,
      `[${"[".repeat(5000)}${"]".repeat(5000)}]`,
      JSON.stringify({ ...validBody("/customers"), name: "x".repeat(900_000) }),
      JSON.stringify({ service: "fuzz", slots: Array.from({ length: 50_000 }, () => ({ startsAt: "2099-03-03T14:30:00Z" })) }),
      "x".repeat(3_000_000),
    ];
    for (const [method, path] of ROUTES) for (const body of bodies) expectSane(await request(method, path, body, authorized));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 4 }), async (segments) => {
        const path = `/${segments.map(encodeURIComponent).join("/")}`;
        expectSane(await request("POST", path, "{}", authorized));
        expectSane(await request("GET", `/shipments${path}`, undefined, authorized));
      }),
      { numRuns: 100 },
    );
    // Still serving: a valid write goes through after all that.
    const ok = await request("POST", "/customers", JSON.stringify(validBody("/customers")), authorized);
    expect(ok.status).toBe(200);
  });

  it("answers a NUL character in a path or query with a 400 naming where, on every kind of route", async () => {
    const cases: [string, string, string][] = [
      ["GET", "/latency?preset=%00", "preset: must not contain NUL"],
      ["GET", "/latency?since=7d%00", "since: must not contain NUL"],
      ["GET", "/calls/a%00b/members", "path: must not contain NUL"],
      ["GET", "/calls?after=2026-01-01T00:00:00Z~%00", "after: must not contain NUL"],
      ["GET", "/shipments/1Z%00", "path: must not contain NUL"],
      ["DELETE", "/blocklist/%2B1555%00", "path: must not contain NUL"],
      ["GET", "/calls?a%00=1", "query: must not contain NUL"],
    ];
    for (const [method, path, message] of cases) {
      const r = await request(method, path, undefined, authorized);
      expectSane(r);
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.text).error.message, path).toContain(message);
    }
  });
});

describe("credentials stay separate", () => {
  const webhook = (headers: Record<string, string>) =>
    t.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(toolCallsMessage([{ name: "get_business_hours", args: {} }])),
    });

  it("the API token does not open /vapi, and the Vapi secret does not open /api", async () => {
    for (const headers of [{ authorization: `Bearer ${API_TOKEN}` }, { "x-vapi-secret": API_TOKEN }] as Record<string, string>[]) {
      const res = await webhook(headers);
      expect(res.status).toBe(401);
      expectSane({ status: res.status, text: await res.text() });
    }
    for (const headers of [{ authorization: `Bearer ${TEST_SECRET}` }, { "x-vapi-secret": TEST_SECRET }] as Record<string, string>[]) {
      const r = await request("POST", "/customers", JSON.stringify(validBody("/customers")), headers);
      expect(r.status).toBe(401);
      expectSane(r);
    }
    // Each opens its own door.
    expect((await webhook({ "x-vapi-secret": TEST_SECRET })).status).toBe(200);
    expect((await request("POST", "/customers", JSON.stringify(validBody("/customers")), authorized)).status).toBe(200);
  });

  it("rejects malformed authorization headers on both with 401, echoing nothing back", async () => {
    const malformed = (secret: string) => [
      "",
      "Bearer",
      "Bearer ",
      `Basic ${Buffer.from(`user:${secret}`).toString("base64")}`,
      `Bearer ${secret} ${secret}`,
      `Bearer ${secret.slice(0, -1)}`,
      `Bearer ${secret}x`,
      `Token ${secret}`,
      `Bearer ${"A".repeat(20_000)}`,
      `Bearer ${TEST_SECRET}${API_TOKEN}`,
    ];
    for (const value of malformed(API_TOKEN)) {
      const api = await request("POST", "/customers", JSON.stringify(validBody("/customers")), { authorization: value });
      expect(api.status, `/api with "${value.slice(0, 40)}"`).toBe(401);
      expectSane(api);
    }
    for (const value of malformed(TEST_SECRET)) {
      const vapi = await webhook({ authorization: value });
      expect(vapi.status, `/vapi with "${value.slice(0, 40)}"`).toBe(401);
      expectSane({ status: vapi.status, text: await vapi.text() });
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom("authorization", "x-vapi-secret"), async (value, header) => {
        // Headers carry Latin-1 only; anything else is refused by the HTTP layer before us.
        const safe = value.replace(/[^\x20-\x7e]/g, "");
        const api = await request("GET", "/shipments/1ZFUZZ", undefined, { [header]: safe });
        expect(api.status).toBe(401);
        expectSane(api);
        const vapi = await webhook({ [header]: safe });
        expect(vapi.status).toBe(401);
        expectSane({ status: vapi.status, text: await vapi.text() });
      }),
      { numRuns: 100 },
    );
  });

  it("never logs the API token or the Vapi secret", () => {
    expect(t.logs.length).toBeGreaterThan(0);
    for (const line of t.logs) {
      expect(line).not.toContain(API_TOKEN);
      expect(line).not.toContain(TEST_SECRET);
    }
  });
});
