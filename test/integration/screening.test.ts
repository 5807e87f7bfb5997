// Protects call screening and routing at assistant-request: the blocklist (REST API, read through the cache and invalidated on change), the spam rules a business turns on, forwarding without the AI by rule, routing to presets and squads per phone number, each decision logged and counted with its rule.
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { type AssistantConfig, defineAssistantConfig } from "../../src/assistant/define.ts";
import { DEFAULT_BLOCKED_MESSAGE } from "../../src/assistant/routing.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { createTestApp, TEST_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { testCallId } from "../support/vapi-messages.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const API_TOKEN = "screening-api-token-0123456789ab";
const OPEN = "2026-01-05T17:00:00Z"; // Monday noon in New York
const CLOSED = "2026-01-06T03:00:00Z"; // Monday 22:00 in New York
const VIP = "+15550177001";
const ON_CALL = "+15550177999";

const screened: AssistantConfig = defineAssistantConfig({
  ...assistantConfig,
  screening: {
    blockedMessage: "This number is blocked. Goodbye.",
    rejectWithheld: { message: "Please call with your number shown. Goodbye." },
    rejectInvalid: { message: "We can't take calls from this number. Goodbye." },
    rateLimit: { maxCalls: 2, windowSeconds: 600, message: "Too many calls just now. Goodbye." },
    trustedCallers: [VIP, "+10005550199"],
  },
  routing: [
    { name: "vip-callers", when: { callers: [VIP] }, forward: { message: "Putting you straight through." } },
    {
      name: "after-hours-on-call",
      when: { hours: "closed", phoneNumberIds: ["pn-support"] },
      forward: { to: ON_CALL, message: "Connecting you to the on-call line." },
    },
    { name: "dispatch-line", when: { phoneNumberIds: ["pn-dispatch"] }, serve: { preset: "dispatch" } },
    { name: "front-desk-line", when: { phoneNumberIds: ["pn-front"] }, serve: { squad: "frontDesk" } },
    {
      name: "pbx-overflow",
      when: { phoneNumberIds: ["pn-overflow"] },
      forward: { to: "sip:overflow@pbx.example.com", message: "One moment." },
    },
    { name: "no-destination", when: { phoneNumberIds: ["pn-nowhere"] }, forward: { message: "Never heard." } },
  ],
});

const errorsOf = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);
let serial = 0;
/** A fresh caller for each test: the rate limit counts per number. */
const newCaller = () => `+1555${String(7_000_000 + process.pid * 100 + ++serial).slice(-7)}`;

function request(options: { caller?: string | null; callId?: string; phoneNumberId?: string; type?: string; sipUri?: string }) {
  const customer = {
    ...(options.caller === null ? {} : { number: options.caller ?? newCaller() }),
    ...(options.sipUri ? { sipUri: options.sipUri } : {}),
  };
  return {
    message: {
      type: "assistant-request",
      timestamp: Date.now(),
      call: {
        id: options.callId ?? testCallId(),
        type: options.type ?? "inboundPhoneCall",
        phoneNumberId: options.phoneNumberId ?? "pn-support",
        customer,
      },
    },
  };
}

async function app(assistant: AssistantConfig = screened, env: Record<string, string> = {}, clock = fixedClock(OPEN)) {
  return createTestApp({ assistant, clock, env: { API_TOKEN, PERSONALIZATION_BUDGET_MS: "5000", ...env } });
}

async function ask(t: TestApp, options: Parameters<typeof request>[0] = {}) {
  const { status, json } = await t.webhook(request(options));
  expect(status).toBe(200);
  expect(errorsOf("ServerMessageResponseAssistantRequest", json)).toBe("");
  return json;
}

/** Numbers this file blocked, unblocked at the end: the run's other test files share the database. */
const blockedHere = new Set<string>();
let cleaner: TestApp | undefined;
afterAll(async () => {
  for (const number of blockedHere) await api(cleaner!, "DELETE", `/blocklist/${encodeURIComponent(number)}`);
});

const api = (t: TestApp, method: string, path: string, body?: unknown) => {
  const number = (body as { number?: string } | undefined)?.number;
  if (method === "POST" && number) {
    blockedHere.add(number);
    cleaner ??= t;
  }
  return t.app.request(`/api${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
};

async function metrics(t: TestApp) {
  return (await t.app.request("/metrics", { headers: { authorization: `Bearer ${TEST_SECRET}` } })).text();
}

describe("the blocklist", () => {
  it("rejects a blocked number with Vapi's error answer from the next call on, and lets it through once unblocked", async () => {
    const t = await app();
    const caller = newCaller();
    expect(await ask(t, { caller })).toHaveProperty("assistant");
    const blocked = await api(t, "POST", "/blocklist", { number: caller, reason: "abusive calls" });
    expect(blocked.status).toBe(200);
    expect(await blocked.json()).toMatchObject({ number: caller, reason: "abusive calls", expiresAt: null, active: true, created: true });
    expect(await ask(t, { caller })).toEqual({ error: "This number is blocked. Goodbye." });
    // Retrying the block is harmless; the entry is updated.
    expect(await (await api(t, "POST", "/blocklist", { number: caller, reason: "still abusive" })).json()).toMatchObject({
      created: false,
    });

    const removed = await api(t, "DELETE", `/blocklist/${encodeURIComponent(caller)}`);
    expect(await removed.json()).toEqual({ number: caller, removed: true });
    expect(await ask(t, { caller })).toHaveProperty("assistant");
    expect(await (await api(t, "DELETE", `/blocklist/${encodeURIComponent(caller)}`)).json()).toEqual({ number: caller, removed: false });
    expect(t.logs.some((l) => l.includes('"call routed"') && l.includes('"rule":"blocklist"') && l.includes('"action":"reject"'))).toBe(
      true,
    );
  });

  it("applies with no screening section in the configuration, in a generic sentence", async () => {
    const t = await app({ ...screened, screening: undefined });
    const caller = newCaller();
    await api(t, "POST", "/blocklist", { number: caller });
    expect(await ask(t, { caller })).toEqual({ error: DEFAULT_BLOCKED_MESSAGE });
  });

  it("lets a block lapse at its expiry, and keeps listing it as inactive", async () => {
    const clock = fixedClock(OPEN);
    const t = await app(screened, {}, clock);
    const caller = newCaller();
    const expiresAt = new Date(Date.parse(OPEN) + 60_000).toISOString();
    expect((await api(t, "POST", "/blocklist", { number: caller, expiresAt })).status).toBe(200);
    expect(await ask(t, { caller })).toHaveProperty("error");
    clock.set(new Date(Date.parse(OPEN) + 120_000).toISOString());
    expect(await ask(t, { caller })).toHaveProperty("assistant");
    const one = (await (await api(t, "GET", `/blocklist/${encodeURIComponent(caller)}`)).json()) as { active: boolean };
    expect(one.active).toBe(false);
    const list = (await (await api(t, "GET", "/blocklist")).json()) as { numbers: { number: string; active: boolean }[] };
    expect(list.numbers.find((n) => n.number === caller)).toMatchObject({ active: false });
  });

  it("refuses what it cannot store in words naming the field, and answers only with the token", async () => {
    const t = await app();
    const bad = await api(t, "POST", "/blocklist", { number: "555-0100" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain("number: must be an E.164 number");
    const past = await api(t, "POST", "/blocklist", { number: newCaller(), expiresAt: "2020-01-01T00:00:00Z" });
    expect(past.status).toBe(400);
    expect(((await past.json()) as { error: { message: string } }).error.message).toBe(
      "expiresAt must be in the future (omit it to block until removed).",
    );
    expect((await api(t, "GET", `/blocklist/${encodeURIComponent(newCaller())}`)).status).toBe(404);
    const anonymous = await t.app.request("/api/blocklist");
    expect(anonymous.status).toBe(401);
    const withVapiSecret = await t.app.request("/api/blocklist", { headers: { authorization: `Bearer ${TEST_SECRET}` } });
    expect(withVapiSecret.status).toBe(401);
    const doc = (await (await t.app.request("/api/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/blocklist", "/blocklist/{number}", "/calls/{callId}/members"]));
  });

  it("is read through the cache per number: repeats cost no database read, another number's change none, this number's change is heard on the next call", async () => {
    const t = await app(defineAssistantConfig({ ...screened, screening: { ...screened.screening!, rateLimit: undefined } }));
    const lookups = async () => {
      const text = await metrics(t);
      const count = (outcome: string) =>
        Number(new RegExp(`switchboard_cache_lookups_total\\{area="blocklist",outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { hit: count("hit"), miss: count("miss") };
    };
    const caller = newCaller();
    const before = await lookups();
    for (let i = 0; i < 5; i++) expect(await ask(t, { caller })).not.toHaveProperty("error");
    const warm = await lookups();
    expect(warm.miss - before.miss).toBe(1);
    expect(warm.hit - before.hit).toBe(4);
    await api(t, "POST", "/blocklist", { number: newCaller() });
    await ask(t, { caller });
    const other = await lookups();
    expect(other.miss).toBe(warm.miss);
    await api(t, "POST", "/blocklist", { number: caller });
    expect(await ask(t, { caller })).toEqual({ error: "This number is blocked. Goodbye." });
    expect((await lookups()).miss - other.miss).toBe(1);
  });

  it("costs each call one indexed lookup however long the list is: 20,000 numbers, 40 calls at once right after a change", async () => {
    const t = await app();
    const numbers = Array.from(
      { length: 20_000 },
      (_, i) => `+1999${String(process.pid % 1000).padStart(3, "0")}${String(i).padStart(5, "0")}`,
    );
    const db = testDatabase().db;
    try {
      await db.execute(
        sql`insert into blocked_numbers (number) select jsonb_array_elements_text(${JSON.stringify(numbers)}::jsonb) on conflict do nothing`,
      );
      const caller = newCaller();
      await api(t, "POST", "/blocklist", { number: caller });
      const answers = await Promise.all(Array.from({ length: 40 }, () => t.webhook(request({ caller }))));
      for (const { status, json } of answers) {
        expect(status).toBe(200);
        expect(json).toEqual({ error: "This number is blocked. Goodbye." });
      }
      // A listed number from the bulk load is refused too, on its first call.
      expect(await ask(t, { caller: numbers[12_345]! })).toEqual({ error: "This number is blocked. Goodbye." });
    } finally {
      await db.execute(
        sql`delete from blocked_numbers where number in (select jsonb_array_elements_text(${JSON.stringify(numbers)}::jsonb))`,
      );
    }
  });
});

describe("spam rules", () => {
  it("reject withheld caller IDs in every form carriers send, but not web calls or SIP callers", async () => {
    const t = await app();
    const withheld = { error: "Please call with your number shown. Goodbye." };
    expect(await ask(t, { caller: null })).toEqual(withheld);
    for (const caller of ["anonymous", "Restricted", "+266696687", "+86282452253", "+7378742833", "+2562533"]) {
      expect(await ask(t, { caller }), caller).toEqual(withheld);
    }
    expect(await ask(t, { caller: null, type: "webCall" })).toHaveProperty("assistant");
    expect(await ask(t, { caller: null, sipUri: "sip:alice@pbx.example.com" })).toHaveProperty("assistant");
  });

  it("reject caller IDs no phone can have, and spare trusted callers", async () => {
    const t = await app();
    const invalid = { error: "We can't take calls from this number. Goodbye." };
    for (const caller of ["+10005550100", "+11235550100", "+1555010", "12345", "+0441234567", "call me"]) {
      expect(await ask(t, { caller }), caller).toEqual(invalid);
    }
    expect(await ask(t, { caller: "+442071838750" })).toHaveProperty("assistant");
    expect(await ask(t, { caller: "+10005550199" })).toHaveProperty("assistant"); // trusted
  });

  it("judge phone caller IDs only: a SIP extension and a web caller's name are not invalid numbers", async () => {
    const t = await app();
    expect(await ask(t, { caller: "1001", sipUri: "sip:1001@pbx.example.com" })).toHaveProperty("assistant");
    expect(await ask(t, { caller: "web-user-7", type: "webCall" })).toHaveProperty("assistant");
    expect(await ask(t, { caller: "1001" })).toEqual({ error: "We can't take calls from this number. Goodbye." });
  });

  it("are off unless turned on: the same callers get the assistant without a screening section", async () => {
    const t = await app({ ...screened, screening: undefined });
    expect(await ask(t, { caller: null })).toHaveProperty("assistant");
    expect(await ask(t, { caller: "+10005550100" })).toHaveProperty("assistant");
  });

  it("limit calls per number per window, count Vapi's retry of one call once, and start afresh in the next window", async () => {
    const clock = fixedClock(OPEN);
    const t = await app(screened, {}, clock);
    const caller = newCaller();
    const first = testCallId();
    expect(await ask(t, { caller, callId: first })).toHaveProperty("assistant");
    expect(await ask(t, { caller, callId: first })).toHaveProperty("assistant"); // the same call again
    expect(await ask(t, { caller })).toHaveProperty("assistant");
    expect(await ask(t, { caller })).toEqual({ error: "Too many calls just now. Goodbye." });
    expect(await ask(t)).toHaveProperty("assistant"); // another number
    // Trusted: never limited (the VIP forward rule is passed over here: no TRANSFER_NUMBER).
    for (let i = 0; i < 3; i++) expect(await ask(t, { caller: VIP })).toHaveProperty("assistant");
    clock.set(new Date(Date.parse(OPEN) + 600_000).toISOString());
    expect(await ask(t, { caller })).toHaveProperty("assistant");
  });

  it("do not count a preview (GET /vapi/assistant) against the caller", async () => {
    const t = await app();
    const caller = newCaller();
    for (let i = 0; i < 3; i++) {
      const res = await t.app.request(`/vapi/assistant?caller=${encodeURIComponent(caller)}`, {
        headers: { "x-vapi-secret": TEST_SECRET },
      });
      expect(((await res.json()) as { response: object }).response).toHaveProperty("assistant");
    }
    expect(await ask(t, { caller })).toHaveProperty("assistant");
  });
});

describe("routing rules", () => {
  it("forward a VIP straight to TRANSFER_NUMBER without the AI; the blocklist still applies to them", async () => {
    const t = await app(screened, { TRANSFER_NUMBER: "+15557654321" });
    expect(await ask(t, { caller: VIP })).toEqual({
      destination: { type: "number", number: "+15557654321", message: "Putting you straight through." },
    });
    // The blocklist still applies to a VIP: someone blocked them on purpose.
    await api(t, "POST", "/blocklist", { number: VIP });
    try {
      expect(await ask(t, { caller: VIP })).toEqual({ error: "This number is blocked. Goodbye." });
    } finally {
      await api(t, "DELETE", `/blocklist/${encodeURIComponent(VIP)}`);
    }
  });

  it("forward after hours to the on-call number, and serve the assistant while open", async () => {
    const clock = fixedClock(CLOSED);
    const t = await app(screened, {}, clock);
    expect(await ask(t)).toEqual({ destination: { type: "number", number: ON_CALL, message: "Connecting you to the on-call line." } });
    expect(await ask(t, { phoneNumberId: "pn-dispatch" })).toHaveProperty("assistant"); // the rule names its number
    clock.set(OPEN);
    expect(await ask(t)).toHaveProperty("assistant");
  });

  it("route a number to a preset, a squad or a SIP address", async () => {
    const t = await app();
    expect(((await ask(t, { phoneNumberId: "pn-dispatch" })).assistant as { name: string }).name).toBe("Switchboard (dispatch)");
    expect((await ask(t, { phoneNumberId: "pn-front" })).squad).toMatchObject({ name: "Switchboard frontDesk" });
    expect(await ask(t, { phoneNumberId: "pn-overflow" })).toEqual({
      destination: { type: "sip", sipUri: "sip:overflow@pbx.example.com", message: "One moment." },
    });
  });

  it("pass over a forward rule with nowhere to go, saying so in the log", async () => {
    const t = await app();
    expect(((await ask(t, { phoneNumberId: "pn-nowhere" })).assistant as { name: string }).name).toBe("Switchboard (support)");
    expect(t.logs.some((l) => l.includes("routing rule skipped") && l.includes('"rule":"no-destination"'))).toBe(true);
  });

  it("count every decision with its rule in the metrics", async () => {
    const t = await app();
    await ask(t, { caller: "+10005550100" });
    await ask(t, { phoneNumberId: "pn-dispatch" });
    await ask(t);
    const text = await metrics(t);
    expect(text).toMatch(/switchboard_routing_decisions_total\{message="assistant-request",outcome="reject",rule="invalid-number"\} 1/);
    expect(text).toMatch(/switchboard_routing_decisions_total\{message="assistant-request",outcome="assistant",rule="dispatch-line"\} 1/);
    expect(text).toMatch(/switchboard_routing_decisions_total\{message="assistant-request",outcome="assistant",rule="default-preset"\} 1/);
  });
});
