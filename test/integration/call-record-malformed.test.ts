// Protects call records from malformed fields: NUL characters, lone surrogates, absurd lengths and structured data nested thousands deep are cut or dropped field by field, and the record is stored at once (before the fix each of these answered 200 and was then lost after retries).
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { calls } from "../../src/db/schema/index.ts";
import { MAX_STRUCTURED_DEPTH, TEXT_LIMITS } from "../../src/services/calls/sanitize.ts";
import { MAX_ID_CHARS } from "../../src/vapi/envelope.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { endOfCallReport, statusUpdate, testCallId } from "../support/vapi-messages.ts";

let t: TestApp;

beforeAll(async () => {
  // No spool: a record the database refuses would be answered 503, so a 200 here means committed.
  t = await createTestApp({ env: { LOG_LEVEL: "warn" } });
});

const row = async (callId: string) => (await testDatabase().db.select().from(calls).where(eq(calls.callId, callId)))[0];

type Report = ReturnType<typeof endOfCallReport>;
function report(callId: string, edit: (m: Report["message"] & Record<string, unknown>) => void = () => {}): Report {
  const r = endOfCallReport(2_000, { callId });
  edit(r.message as Report["message"] & Record<string, unknown>);
  return r;
}

async function expectStored(body: unknown, callId: string) {
  const answer = await t.webhook(body);
  expect(answer).toEqual({ status: 200, json: {} });
  const stored = await row(callId);
  expect(stored, "stored at once").toBeDefined();
  return stored!;
}

/** Structured data nested `depth` deep, as JSON text (JSON.stringify itself overflows the stack on 50,000 levels). */
function deepReport(callId: string, depth: number): string {
  const body = JSON.stringify(report(callId));
  const nested = `${'{"a":'.repeat(depth)}"bottom"${"}".repeat(depth)}`;
  return body.replace('"analysis":{', `"analysis":{"structuredData":{"kept":"yes","deep":${nested}},`);
}

describe("malformed end-of-call reports are stored", () => {
  it("with a NUL in endedReason: without it", async () => {
    const callId = testCallId();
    const stored = await expectStored(
      report(callId, (m) => (m.endedReason = "customer\u0000-ended-call")),
      callId,
    );
    expect(stored.endedReason).toBe("customer-ended-call");
  });

  it("with a NUL in the call id: under the id without it, the same for every delivery", async () => {
    const callId = testCallId();
    const withNul = `${callId.slice(0, 8)}\u0000${callId.slice(8)}`;
    const body = report(withNul);
    await expectStored(body, callId);
    await expectStored(body, callId);
    expect((await testDatabase().db.select().from(calls).where(eq(calls.callId, callId))).length).toBe(1);
  });

  it("with a NUL in a structured-data key and a lone surrogate in keys and values: cleaned, the rest kept", async () => {
    const callId = testCallId();
    const stored = await expectStored(
      report(callId, (m) => {
        m.analysis = {
          ...m.analysis,
          summary: "Caller \ud800 asked",
          structuredData: { "order\u0000Id": "A-1", "bad\udc00key": "x\ud83dy" },
        } as Report["message"]["analysis"];
        m.artifact.transcript = "AI: Hello\nUser: \udfff hi";
      }),
      callId,
    );
    expect(stored.structuredData).toEqual({ orderId: "A-1", "bad\ufffdkey": "x\ufffdy" });
    expect(stored.summary).toBe("Caller \ufffd asked");
    expect(stored.transcript).toBe("AI: Hello\nUser: \ufffd hi");
  });

  it.each([5_000, 50_000])("with structured data nested %i deep: cut to its first levels", async (depth) => {
    const callId = testCallId();
    const stored = await expectStored(deepReport(callId, depth), callId);
    const data = stored.structuredData as Record<string, unknown>;
    expect(data.kept).toBe("yes");
    let level: unknown = data.deep;
    let levels = 1;
    while (level && typeof level === "object") {
      level = (level as { a: unknown }).a;
      levels++;
    }
    expect(level, "the part below the limit is dropped").toBeNull();
    expect(levels).toBe(MAX_STRUCTURED_DEPTH);
  });

  it("with a 3 KB call id: under a bounded key, one row for every delivery", async () => {
    const longId = `call-${"x".repeat(3_000)}-${testCallId()}`;
    const body = report(longId);
    await t.webhook(body);
    const answer = await t.webhook(body);
    expect(answer).toEqual({ status: 200, json: {} });
    const rows = await testDatabase().db.select().from(calls).where(eq(calls.endedReason, "customer-ended-call"));
    const mine = rows.filter((r) => r.callId.startsWith("call-xxxx") && r.callId.length <= MAX_ID_CHARS);
    expect(mine.length).toBeGreaterThanOrEqual(1);
    const key = mine.find((r) => r.callId.startsWith(longId.slice(0, MAX_ID_CHARS - 17)))!;
    expect(key.callId).toHaveLength(MAX_ID_CHARS);
    expect(rows.filter((r) => r.callId === key.callId)).toHaveLength(1);
  });

  it("with texts far beyond any real one: cut and marked", async () => {
    const callId = testCallId();
    const stored = await expectStored(
      report(callId, (m) => {
        m.endedReason = "r".repeat(50_000);
        m.analysis = { ...m.analysis, summary: "s".repeat(100_000) };
      }),
      callId,
    );
    expect(stored.endedReason).toHaveLength(TEXT_LIMITS.endedReason);
    expect(stored.endedReason?.endsWith("[truncated]")).toBe(true);
    expect(stored.summary).toHaveLength(TEXT_LIMITS.summary);
  });
});

describe("malformed status updates are stored", () => {
  it("with a NUL in endedReason and in the call id", async () => {
    const callId = testCallId();
    const body = statusUpdate("ended", { callId: `${callId}\u0000` });
    (body.message as Record<string, unknown>).endedReason = "assistant\u0000-hung-up";
    const stored = await expectStored(body, callId);
    expect(stored).toMatchObject({ status: "ended", endedReason: "assistant-hung-up" });
  });
});
