// Protects campaign.predial through the webhook against real Postgres: calling hours in the callee's own zone (conservative across a country's zones), calling days, the do-not-call list (REST API and the opt_out_of_calls tool), the daily attempt limit under concurrent predials, a refusal reason recorded for every skipped contact, and a decision that misses its budget skipping the contact.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { defineAssistantConfig } from "../../src/assistant/define.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { testCallId, toolCallsMessage } from "../support/vapi-messages.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const API_TOKEN = "campaigns-api-token-0123456789abcd";
const WEDNESDAY_1PM_NY = "2026-01-07T18:00:00Z"; // 10 AM in Los Angeles, 8 AM in Honolulu, 7 PM in Paris
const WEDNESDAY_9AM_NY = "2026-01-07T14:00:00Z"; // 6 AM in Los Angeles, 3 PM in Paris
const SUNDAY_1PM_NY = "2026-01-11T18:00:00Z";

const rules = defineAssistantConfig({ ...assistantConfig, campaigns: { ...defaultRules(), maxAttemptsPerDay: 2 } });
function defaultRules() {
  return {
    callingHours: { start: "09:00", end: "20:00" },
    callingDays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const,
  };
}

let serial = 0;
/** A fresh number per test in an area code of `area` (decisions are shared across the run's files). */
const newNumber = (area = "212") => `+1${area}${String(1_000_000 + ((process.pid * 1000 + ++serial) % 8_999_999)).padStart(7, "0")}`;

function predial(number: unknown, campaignId = `camp-${randomUUID()}`) {
  return {
    message: {
      type: "campaign.predial",
      timestamp: Date.now(),
      campaignId,
      contact: { id: randomUUID(), campaignId, orgId: "org-1", number, createdAt: new Date().toISOString() },
    },
  };
}

async function ask(t: TestApp, number: unknown, campaignId?: string) {
  const body = predial(number, campaignId);
  expect(formatVapiIssues(vapiValidator().validate("ServerMessageCampaignPredial", body.message).errors)).toBe("");
  const { status, json } = await t.webhook(body);
  expect(status).toBe(200);
  expect(formatVapiIssues(vapiValidator().validate("ServerMessageResponseCampaignPredial", json).errors)).toBe("");
  return json.eligible as boolean;
}

async function lastReason(number: string) {
  const rows = await testDatabase().db.execute<{ eligible: boolean; reason: string | null }>(
    sql`select eligible, reason from predial_decisions where number = ${number} order by decided_at desc, id limit 1`,
  );
  return rows[0]?.eligible ? "eligible" : rows[0]?.reason;
}

const api = (t: TestApp, method: string, path: string, body?: unknown) =>
  t.app.request(`/api${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const app = (at: string, env: Record<string, string> = {}) =>
  createTestApp({ assistant: rules, clock: fixedClock(at), env: { API_TOKEN, ...env } });

describe("campaign.predial: calling hours in the callee's zone", () => {
  it("dials a New York number at 1 PM there, when it is 10 AM on the west coast, and records the attempt", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    const number = newNumber();
    expect(await ask(t, number)).toBe(true);
    expect(await lastReason(number)).toBe("eligible");
  });

  it("refuses a US number whose area code does not say the zone while it is before 9 AM in any US zone", async () => {
    const t = await app(WEDNESDAY_9AM_NY);
    const number = newNumber();
    expect(await ask(t, number)).toBe(false);
    expect(await lastReason(number)).toBe("outside_calling_hours");
  });

  it("knows Hawaii by its area code: 8 AM in Honolulu is too early, 10 AM is fine", async () => {
    const number = newNumber("808");
    expect(await ask(await app(WEDNESDAY_1PM_NY), number)).toBe(false);
    expect(await lastReason(number)).toBe("outside_calling_hours");
    expect(await ask(await app("2026-01-07T20:00:00Z"), number)).toBe(true);
  });

  it("knows Alaska's area code covers the Aleutians too: 9:30 AM in Anchorage is 8:30 AM on Adak", async () => {
    const number = newNumber("907");
    expect(await ask(await app("2026-01-07T18:30:00Z"), number)).toBe(false);
    expect(await lastReason(number)).toBe("outside_calling_hours");
    expect(await ask(await app("2026-01-07T19:00:00Z"), number)).toBe(true);
  });

  it("refuses toll-free and other non-geographic numbers (they may ring anywhere, Honolulu included) as an unknown region", async () => {
    for (const area of ["800", "888", "500", "900"]) {
      const number = newNumber(area);
      expect(await ask(await app(WEDNESDAY_1PM_NY), number)).toBe(false);
      expect(await lastReason(number)).toBe("unknown_region");
    }
  });

  it("checks a French number in Paris time", async () => {
    const t = await app(WEDNESDAY_9AM_NY); // 3 PM in Paris
    const number = `+336${String(10_000_000 + ((process.pid * 100 + ++serial) % 89_999_999))}`;
    expect(await ask(t, number)).toBe(true);
    expect(await ask(await app("2026-01-07T19:30:00Z"), number)).toBe(false); // 8:30 PM in Paris
    expect(await lastReason(number)).toBe("outside_calling_hours");
  });

  it("refuses on a day calls are not placed (Sunday by default)", async () => {
    const number = newNumber();
    expect(await ask(await app(SUNDAY_1PM_NY), number)).toBe(false);
    expect(await lastReason(number)).toBe("outside_calling_hours");
  });

  it("refuses a number that is not dialable, or whose country is unknown, with its reason", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    const campaignId = `camp-${randomUUID()}`;
    expect(await ask(t, "12345", campaignId)).toBe(false);
    expect(await ask(t, "+9991234567", campaignId)).toBe(false);
    const res = await api(t, "GET", `/campaigns/predial-decisions?campaignId=${campaignId}&refused=true`);
    const { decisions } = (await res.json()) as { decisions: { reason: string }[] };
    expect(decisions.map((d) => d.reason).sort()).toEqual(["invalid_number", "unknown_region"]);
  });
});

describe("campaign.predial: the do-not-call list", () => {
  it("refuses a number added over the REST API, and dials it again once removed", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    const number = newNumber();
    const added = await api(t, "POST", "/do-not-call", { number, reason: "asked by letter" });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ number, source: "api", created: true });
    expect(await ask(t, number)).toBe(false);
    expect(await lastReason(number)).toBe("do_not_call");
    expect((await api(t, "GET", `/do-not-call/${encodeURIComponent(number)}`)).status).toBe(200);
    expect(await (await api(t, "DELETE", `/do-not-call/${encodeURIComponent(number)}`)).json()).toEqual({ number, removed: true });
    expect((await api(t, "GET", `/do-not-call/${encodeURIComponent(number)}`)).status).toBe(404);
    expect(await ask(t, number)).toBe(true);
  });

  it("knows a listed number however it is written: a UK number with its trunk 0 after +44, added either way", async () => {
    const t = await app("2026-01-07T12:00:00Z"); // noon in London
    const local = String(10_000_000 + ((process.pid * 100 + ++serial) % 89_999_999)).slice(0, 8);
    expect((await api(t, "POST", "/do-not-call", { number: `+4420${local}` })).status).toBe(200);
    expect(await ask(t, `+44020${local}`)).toBe(false);
    expect(await ask(t, `+44 (0)20 ${local.slice(0, 4)} ${local.slice(4)}`)).toBe(false);
    expect(await lastReason(`+4420${local}`)).toBe("do_not_call");
  });

  it("records a decision whatever the contact holds (a NUL in the number)", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    const campaignId = `camp-${randomUUID()}`;
    expect(await ask(t, "+1 212 555 0123\u0000", campaignId)).toBe(false);
    const res = await api(t, "GET", `/campaigns/predial-decisions?campaignId=${campaignId}&refused=true`);
    const { decisions } = (await res.json()) as { decisions: { reason: string }[] };
    expect(decisions.map((d) => d.reason)).toEqual(["invalid_number"]);
  });

  it("refuses a bad number on the REST API with a 400", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    expect((await api(t, "POST", "/do-not-call", { number: "555-1234" })).status).toBe(400);
  });

  it("adds the callee who says 'stop calling me' through the opt_out_of_calls tool", async () => {
    const t = await app(WEDNESDAY_1PM_NY);
    const number = newNumber();
    const callId = testCallId();
    const { json } = await t.webhook(
      toolCallsMessage([{ name: "opt_out_of_calls", args: { reason: "too many reminders" } }], { caller: number, callId }),
    );
    const [result] = json.results ?? [];
    expect(result?.result).toMatch(/won't get any more calls/);
    const entry = (await (await api(t, "GET", `/do-not-call/${encodeURIComponent(number)}`)).json()) as Record<string, unknown>;
    expect(entry).toMatchObject({ number, source: "call", callId, reason: "too many reminders" });
    expect(await ask(t, number)).toBe(false);
    expect(await lastReason(number)).toBe("do_not_call");
  });
});

describe("campaign.predial: attempts per day", () => {
  it("dials a number at most maxAttemptsPerDay times in 24 hours, even when predials arrive at once", async () => {
    const clock = fixedClock(WEDNESDAY_1PM_NY);
    const t = await createTestApp({ assistant: rules, clock, env: { API_TOKEN } });
    const number = newNumber();
    const answers = await Promise.all(Array.from({ length: 5 }, () => ask(t, number)));
    expect(answers.filter(Boolean)).toHaveLength(2);
    const rows = await testDatabase().db.execute<{ reason: string | null; n: number }>(
      sql`select reason, count(*)::int as n from predial_decisions where number = ${number} group by reason order by reason nulls first`,
    );
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { reason: null, n: 2 },
      { reason: "attempt_limit", n: 3 },
    ]);
    clock.set("2026-01-08T18:00:01Z"); // a day later
    expect(await ask(t, number)).toBe(true);
  });
});

describe("campaign.predial: within its budget", () => {
  it("skips the contact when the decision cannot be made in time, and records why once it can", async () => {
    const t = await app(WEDNESDAY_1PM_NY, { PREDIAL_BUDGET_MS: "100" });
    const number = newNumber();
    const db = testDatabase().db;
    // Another decision for the same number holds its lock until this test lets it go.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked: () => void = () => {};
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`predial:${number}`}))`);
      locked();
      await released;
    });
    await holding;
    expect(await ask(t, number)).toBe(false);
    release();
    await holder;
    await vi.waitFor(async () => expect(await lastReason(number)).toBe("decision_failed"), { timeout: 5000 });
    const rows = await db.execute<{ n: number }>(
      sql`select count(*)::int as n from predial_decisions where number = ${number} and eligible`,
    );
    expect(rows[0]?.n).toBe(0);
  });
});
