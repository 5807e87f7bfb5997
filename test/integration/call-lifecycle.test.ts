// Protects the call record: ordered, idempotent storage of status updates and end-of-call reports, redaction, caller memory and retention.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createDatabase } from "../../src/db/client.ts";
import { callerMemory, calls } from "../../src/db/schema/index.ts";
import { findCall, purgeOldTranscripts } from "../../src/services/calls/records.ts";
import { createTestApp, TEST_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ toolsDir: fixtures });
  await testDatabase().db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
});

const callOf = (callId: string, caller: string) => ({
  id: callId,
  type: "inboundPhoneCall",
  phoneNumberId: "pn-1",
  customer: { number: caller },
});

function status(callId: string, caller: string, value: string, at: number, endedReason?: string) {
  return {
    message: { type: "status-update", status: value, timestamp: at, call: callOf(callId, caller), ...(endedReason ? { endedReason } : {}) },
  };
}

function report(callId: string, caller: string, options: { endedAt?: string; summary?: string; transcript?: string } = {}) {
  // Recent by default: any app's opportunistic retention run (other files share the database) keeps it.
  const endedAt = options.endedAt ?? new Date(Date.now() - 60_000).toISOString();
  return {
    message: {
      type: "end-of-call-report",
      timestamp: Date.parse(endedAt),
      call: callOf(callId, caller),
      endedReason: "customer-ended-call",
      cost: 0.0734,
      startedAt: new Date(Date.parse(endedAt) - 95_000).toISOString(),
      endedAt,
      analysis: {
        summary: options.summary ?? "Caller asked about parcel 4411 and gave card 4111 1111 1111 1111.",
        successEvaluation: "true",
        structuredData: { email: "dana@example.com", resolved: true },
      },
      artifact: {
        transcript:
          options.transcript ?? `AI: Hello\nUser: my number is ${caller} and my email is dana@example.com, card 4111-1111-1111-1111`,
        recordingUrl: "https://storage.example.com/rec.wav",
        messages: [],
      },
    },
  };
}

const row = async (callId: string) => (await testDatabase().db.select().from(calls).where(eq(calls.callId, callId)))[0];
const memory = async (caller: string) =>
  (await testDatabase().db.select().from(callerMemory).where(eq(callerMemory.callerNumber, caller)))[0];

describe("status updates", () => {
  it("moves forward only: a late in-progress never reverts an ended call", async () => {
    const callId = randomUUID();
    const caller = "+15550100001";
    const t0 = Date.parse("2026-03-02T10:00:00Z");
    for (const [s, at] of [
      ["ringing", t0],
      ["ended", t0 + 60_000],
      ["in-progress", t0 + 1_000],
      ["queued", t0 - 1_000],
    ] as const) {
      const res = await t.webhook(status(callId, caller, s, at, s === "ended" ? "customer-ended-call" : undefined));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({});
    }
    const stored = await row(callId);
    expect(stored).toMatchObject({ status: "ended", callerNumber: caller, phoneNumberId: "pn-1", endedReason: "customer-ended-call" });
    expect(stored?.startedAt?.toISOString()).toBe("2026-03-02T10:00:01.000Z");
    expect(stored?.endedAt?.toISOString()).toBe("2026-03-02T10:01:00.000Z");
  });

  it("ignores unknown statuses and messages without a call id, still answering 200", async () => {
    const callId = randomUUID();
    expect((await t.webhook(status(callId, "+15550100009", "teleporting", Date.now()))).status).toBe(200);
    expect(await row(callId)).toBeUndefined();
    expect((await t.webhook({ message: { type: "status-update", status: "ended" } })).status).toBe(200);
  });
});

describe("end-of-call report", () => {
  it("stores outcome, cost, summary and recording, with personal data redacted and the caller's number in its own column", async () => {
    const callId = randomUUID();
    const caller = "+15550100002";
    const res = await t.webhook(report(callId, caller));
    expect(res).toEqual({ status: 200, json: {} });
    const stored = await row(callId);
    expect(stored).toMatchObject({
      status: "ended",
      callerNumber: caller,
      endedReason: "customer-ended-call",
      cost: 0.0734,
      durationSeconds: 95,
      successEvaluation: "true",
      recordingUrl: "https://storage.example.com/rec.wav",
      structuredData: { email: "[email]", resolved: true },
      summary: "Caller asked about parcel 4411 and gave card [card number].",
    });
    expect(stored?.transcript).toBe("AI: Hello\nUser: my number is [caller number] and my email is [email], card [card number]");
    expect(JSON.stringify(stored)).not.toContain("4111");
  });

  it("is idempotent: a repeated report changes nothing and counts the call once", async () => {
    const callId = randomUUID();
    const caller = "+15550100003";
    await t.webhook(report(callId, caller));
    const first = await row(callId);
    await t.webhook(report(callId, caller, { summary: "A different summary." }));
    await t.webhook(status(callId, caller, "in-progress", Date.now()));
    const again = await row(callId);
    expect(again).toEqual({ ...first, updatedAt: again?.updatedAt });
    expect(again?.status).toBe("ended");
    expect(await memory(caller)).toMatchObject({ callCount: 1, lastCallId: callId });
  });

  it("keeps the newest call's summary in caller memory when an older report arrives late", async () => {
    const caller = "+15550100004";
    const newer = randomUUID();
    const older = randomUUID();
    await t.webhook(report(newer, caller, { endedAt: "2026-03-05T10:00:00.000Z", summary: "Newer call." }));
    await t.webhook(report(older, caller, { endedAt: "2026-03-01T10:00:00.000Z", summary: "Older call." }));
    const m = await memory(caller);
    expect(m).toMatchObject({ callCount: 2, lastCallId: newer, lastSummary: "Newer call." });
    expect(m?.lastCallAt?.toISOString()).toBe("2026-03-05T10:00:00.000Z");
  });

  it("links the call's tool invocations to the call", async () => {
    const callId = randomUUID();
    const caller = "+15550100005";
    await t.webhook(toolCallsMessage([{ id: `tc-${callId}`, name: "record_note", args: { note: `note ${callId}` } }], { callId, caller }));
    await t.webhook(report(callId, caller));
    const found = await findCall(testDatabase().db, callId);
    expect(found?.toolCalls.map((c) => c.toolName)).toEqual(["record_note"]);
  });

  it("does not acknowledge a report it could not store (503 with Retry-After), and stores Vapi's redelivery", async () => {
    // Without a spool (as on Workers) a record is acknowledged only once committed.
    const broken = createDatabase("postgres://postgres@127.0.0.1:1/nowhere", { max: 1, connectTimeoutSeconds: 1 });
    const down = await createTestApp({ toolsDir: fixtures, db: broken.db });
    const callId = randomUUID();
    const first = await down.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET, "content-type": "application/json" },
      body: JSON.stringify(report(callId, "+15550100006")),
    });
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("2");
    expect(await first.json()).toMatchObject({ error: { code: "not_stored" } });
    expect(await row(callId)).toBeUndefined();
    // Vapi's backoff plan sends it again; the database is back.
    expect(await t.webhook(report(callId, "+15550100006"))).toEqual({ status: 200, json: {} });
    expect((await row(callId))?.endedReason).toBe("customer-ended-call");
    await broken.close();
  });

  it("answers a hung database's report after the wait, without acknowledging it", async () => {
    // A server that accepts connections and never answers: a database that hangs.
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const blackHole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, "127.0.0.1", resolve));
    const port = (blackHole.address() as { port: number }).port;
    const hung = createDatabase(`postgres://postgres@127.0.0.1:${port}/nowhere`, { max: 1, connectTimeoutSeconds: 30 });
    const slow = await createTestApp({ toolsDir: fixtures, db: hung.db });
    const callId = randomUUID();
    const res = await slow.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET, "content-type": "application/json" },
      body: JSON.stringify(report(callId, "+15550100009")),
    });
    expect(res.status).toBe(503);
    expect(slow.logs.some((l) => l.includes("not waiting for it") && l.includes(callId))).toBe(true);
    for (const socket of sockets) socket.destroy();
    blackHole.close();
    await hung.close().catch(() => {});
  });

  it("stores a report whose transcript holds NUL characters, without them", async () => {
    const callId = randomUUID();
    const { status } = await t.webhook(report(callId, "+15550100010", { transcript: "AI: Hello\u0000\nUser: Hi" }));
    expect(status).toBe(200);
    expect((await row(callId))?.transcript).toBe("AI: Hello\nUser: Hi");
  });

  it("stores a report with impossible timestamps instead of failing on them", async () => {
    const callId = randomUUID();
    const { status } = await t.webhook({
      message: { ...report(callId, "+15550100008").message, timestamp: -62135596800, endedAt: "0001-01-01T00:00:00Z" },
    });
    expect(status).toBe(200);
    expect(await row(callId)).toBeTruthy();
  });
});

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

describe("retention", () => {
  it("deletes transcripts of calls older than the retention period and keeps the rest of the record", async () => {
    const quiet = await createTestApp({ toolsDir: fixtures, env: { TRANSCRIPT_RETENTION_DAYS: "0" } });
    const old = randomUUID();
    const recent = randomUUID();
    await quiet.webhook(report(old, "+15550100007", { endedAt: daysAgo(400) }));
    await quiet.webhook(report(recent, "+15550100007", { endedAt: daysAgo(2) }));
    expect((await row(old))?.transcript).toContain("AI: Hello");
    const purged = await purgeOldTranscripts(testDatabase().db, new Date(), 30);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect(await row(old)).toMatchObject({ transcript: null, summary: expect.any(String), endedReason: "customer-ended-call" });
    expect((await row(old))?.transcriptPurgedAt).toBeInstanceOf(Date);
    expect((await row(recent))?.transcript).toContain("AI: Hello");
    expect(await purgeOldTranscripts(testDatabase().db, new Date(), 0)).toBe(0);
  });

  it("runs by itself after an end-of-call report, at most once per interval", async () => {
    const app = await createTestApp({ toolsDir: fixtures, cache: createMemoryCache(), env: { TRANSCRIPT_RETENTION_DAYS: "30" } });
    const old = randomUUID();
    await app.webhook(report(old, "+15550100008", { endedAt: daysAgo(90) }));
    await expect.poll(async () => (await row(old))?.transcript).toBeNull();
    const later = randomUUID();
    await app.webhook(report(later, "+15550100008", { endedAt: daysAgo(90) }));
    expect(await app.deps.cache.get("retention:transcripts")).toBe("1");
    expect((await row(later))?.transcript).toContain("AI: Hello");
  });
});
