// Protects fail-closed authentication of /vapi/*: each scheme right, wrong, missing, and nothing happens on a 401.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { signHmac } from "../../src/vapi/auth.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const HMAC_SECRET = "hmac-secret-abcdef0123456789";
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ toolsDir: fixtures, env: { VAPI_HMAC_SECRET: HMAC_SECRET, VAPI_HMAC_PREFIX: "sha256=" } });
});

const body = JSON.stringify(toolCallsMessage([{ id: "auth_call", name: "echo", args: { text: "hi" } }]));

async function post(headers: Record<string, string>, payload = body) {
  const res = await t.app.request("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: payload,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function hmacHeaders(timestamp: string, payload = body, secret = HMAC_SECRET) {
  const signature = await signHmac(
    { secret, algorithm: "sha256", encoding: "hex", prefix: "sha256=" },
    timestamp,
    new TextEncoder().encode(payload),
  );
  return { "x-signature": signature, "x-timestamp": timestamp };
}

describe("accepted credentials", () => {
  it("accepts the shared secret in x-vapi-secret", async () => {
    expect((await post({ "x-vapi-secret": TEST_SECRET })).status).toBe(200);
  });
  it("accepts the secret as a bearer token", async () => {
    expect((await post({ authorization: `Bearer ${TEST_SECRET}` })).status).toBe(200);
  });
  it("accepts an HMAC signature with a timestamp in seconds", async () => {
    expect((await post(await hmacHeaders(String(Math.floor(Date.now() / 1000))))).status).toBe(200);
  });
  it("accepts an HMAC signature with a timestamp in milliseconds", async () => {
    expect((await post(await hmacHeaders(String(Date.now())))).status).toBe(200);
  });
});

describe("rejected credentials", () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ["no credentials", async () => ({})],
    ["a wrong shared secret", async () => ({ "x-vapi-secret": "wrong-secret-0123456789abcdef" })],
    ["an empty shared secret", async () => ({ "x-vapi-secret": "" })],
    ["a secret that is a prefix of the right one", async () => ({ "x-vapi-secret": TEST_SECRET.slice(0, -1) })],
    ["a wrong bearer token", async () => ({ authorization: "Bearer nope-nope-nope-nope" })],
    ["a non-bearer authorization header", async () => ({ authorization: `Basic ${btoa(`u:${TEST_SECRET}`)}` })],
    ["an HMAC signature with a stale timestamp", async () => hmacHeaders(String(Math.floor(Date.now() / 1000) - 3600))],
    ["an HMAC signature from the future", async () => hmacHeaders(String(Math.floor(Date.now() / 1000) + 3600))],
    ["an HMAC signature made with another secret", async () => hmacHeaders(String(Date.now()), body, "another-secret-entirely")],
    ["an HMAC signature over another body", async () => hmacHeaders(String(Date.now()), body.replace("hi", "ho"))],
    ["an HMAC signature without its timestamp", async () => ({ "x-signature": (await hmacHeaders(String(Date.now())))["x-signature"] })],
    ["an HMAC timestamp that is not a number", async () => ({ ...(await hmacHeaders("yesterday")) })],
  ];
  for (const [name, headers] of cases) {
    it(`rejects ${name} with 401 and runs nothing`, async () => {
      const before = t.logs.filter((l) => l.includes('"tool call"')).length;
      const { status, json } = await post(await headers());
      expect(status).toBe(401);
      expect(json).toEqual({ error: { code: "unauthorized", message: "Missing or invalid Vapi credentials." } });
      expect(t.logs.filter((l) => l.includes('"tool call"')).length).toBe(before);
    });
  }

  it("protects every /vapi route, not only the webhook", async () => {
    const res = await t.app.request("/vapi/anything", { method: "GET" });
    expect(res.status).toBe(401);
  });

  it("never writes a secret into the logs", async () => {
    await post({ "x-vapi-secret": `${TEST_SECRET}x` });
    await post({ "x-vapi-secret": TEST_SECRET });
    expect(t.logs.join("\n")).not.toContain(TEST_SECRET);
  });
});
