// Protects against races and duplicates at scale: 200 concurrent bookings of 20 slots make exactly 20 bookings, 50 deliveries of one toolCallId make one side effect with 50 identical answers, and a triple-delivered end-of-call report makes one call record.

import { fileURLToPath } from "node:url";
import { eq, inArray, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { appointments, callerMemory, calls, toolCalls } from "../../src/db/schema/index.ts";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { endOfCallReport, testCallId, testToolCallId } from "../support/vapi-messages.ts";

const roomyTools = fileURLToPath(new URL("../fixtures/roomy-tools", import.meta.url));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ toolsDir: roomyTools, env: { SIDE_EFFECT_LIMIT_PER_MINUTE: "0", LOG_LEVEL: "warn" } });
});

describe("races", () => {
  it("200 concurrent bookings spread over 20 slots make exactly 20 bookings, one per slot", async () => {
    const { slotIds } = await givenSlots(
      t,
      Array.from({ length: 20 }, (_, i) => 500 + i),
    );
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        callTool(t, "book_appointment", { slotId: slotIds[i % 20], customerName: "Racer" }, { caller: uniquePhone() }),
      ),
    );
    const wins = answers.filter((a) => a.data?.booked);
    expect(wins).toHaveLength(20);
    for (const l of answers.filter((a) => !a.data?.booked)) expect(l.error).toMatch(/was just taken/);
    const rows = await testDatabase()
      .db.select({ slotId: appointments.slotId, code: appointments.confirmationCode })
      .from(appointments)
      .where(inArray(appointments.slotId, slotIds));
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.slotId))).toEqual(new Set(slotIds));
    expect(new Set(rows.map((r) => r.code))).toEqual(new Set(wins.map((w) => w.data!.confirmationCode)));
  });

  it("50 concurrent deliveries of one toolCallId run one side effect and get 50 identical answers", async () => {
    const { slotIds } = await givenSlots(t, [600]);
    const id = testToolCallId();
    const callId = testCallId();
    const caller = uniquePhone();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Echo" }, { caller, id, callId }),
      ),
    );
    expect(answers).toHaveLength(50);
    expect(answers[0]!.data).toMatchObject({ booked: true });
    expect(new Set(answers.map((a) => JSON.stringify({ result: a.result, error: a.error }))).size).toBe(1);
    const db = testDatabase().db;
    expect(await db.select().from(appointments).where(eq(appointments.slotId, slotIds[0]!))).toHaveLength(1);
    expect(await db.select().from(toolCalls).where(eq(toolCalls.toolCallId, id))).toHaveLength(1);
  });

  it("the same end-of-call report delivered three times at once makes one call record, counted once", async () => {
    const callId = testCallId();
    const caller = uniquePhone();
    const report = endOfCallReport(20_000, { callId, caller });
    const answers = await Promise.all([1, 2, 3].map(() => t.webhook(report)));
    for (const a of answers) expect(a.status).toBe(200);
    const db = testDatabase().db;
    const [count] = await db.execute<{ n: number }>(sql`select count(*)::int as n from calls where call_id = ${callId}`);
    expect(count!.n).toBe(1);
    expect((await db.select().from(calls).where(eq(calls.callId, callId)))[0]).toMatchObject({ status: "ended" });
    await expect
      .poll(async () => (await db.select().from(callerMemory).where(eq(callerMemory.callerNumber, caller)))[0]?.callCount)
      .toBe(1);
  });
});
