// Protects the idempotency log's key: a toolCallId is only a duplicate within its own call, a stored answer is never given to another call or another caller, and the per-caller limit counts a reused id in a new call as the new change it is.
import { fileURLToPath } from "node:url";
import { and, eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { appointments, toolCalls } from "../../src/db/schema/index.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { testCallId, testToolCallId, toolCallsMessage } from "../support/vapi-messages.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000", SIDE_EFFECT_LIMIT_PER_MINUTE: "0" } });
});

const bookingsOf = async (caller: string) =>
  (
    await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from appointments a join customers c on c.id = a.customer_id where c.phone = ${caller} and a.status = 'booked'`,
    )
  )[0]!.n;

describe("the same toolCallId in different calls", () => {
  it("books for each caller, and caller B never hears caller A's name or code", async () => {
    const { slotIds } = await givenSlots(t, [50, 51]);
    const id = testToolCallId();
    const alice = uniquePhone();
    const bob = uniquePhone();
    const a = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Alice Example" }, { caller: alice, id });
    const b = await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "Bob Example" }, { caller: bob, id });
    expect(a.data).toMatchObject({ booked: true, name: "Alice Example" });
    expect(b.data).toMatchObject({ booked: true, name: "Bob Example" });
    expect(b.result).not.toContain(a.data!.confirmationCode);
    expect(b.result).not.toContain("Alice");
    expect(await bookingsOf(bob)).toBe(1);
    const rows = await testDatabase().db.select().from(toolCalls).where(eq(toolCalls.toolCallId, id));
    expect(rows).toHaveLength(2);
  });

  it("still answers a redelivery within the same call with the stored answer, and books nothing more", async () => {
    const { slotIds } = await givenSlots(t, [52, 53]);
    const id = testToolCallId();
    const callId = testCallId();
    const caller = uniquePhone();
    const first = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Dee" }, { caller, id, callId });
    // A redelivery replays the answer even if the arguments differ: the toolCallId names the action.
    const again = await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "Dee" }, { caller, id, callId });
    expect(again.result).toBe(first.result);
    expect(await bookingsOf(caller)).toBe(1);
  });
});

describe("a stored answer stays with its caller", () => {
  it("refuses a delivery that reuses a call id and toolCallId from another caller, without revealing anything", async () => {
    const { slotIds } = await givenSlots(t, [54, 55]);
    const id = testToolCallId();
    const callId = testCallId();
    const owner = uniquePhone();
    const other = uniquePhone();
    const first = await callTool(
      t,
      "book_appointment",
      { slotId: slotIds[0], customerName: "Owner Person" },
      { caller: owner, id, callId },
    );
    const forged = await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "Other" }, { caller: other, id, callId });
    expect(forged.result).toBeUndefined();
    expect(forged.error).toMatch(/already used/);
    expect(forged.error).not.toContain(first.data!.confirmationCode);
    expect(forged.error).not.toContain("Owner");
    expect(await bookingsOf(other)).toBe(0);
  });

  it("does the same for messages without a call id", async () => {
    const { slotIds } = await givenSlots(t, [56, 57]);
    const id = testToolCallId();
    const send = async (caller: string, slotId: string, customerName: string) => {
      const msg = toolCallsMessage([{ id, name: "book_appointment", args: { slotId, customerName } }], { caller });
      delete (msg.message as { call?: unknown }).call;
      return (await t.webhook(msg)).json.results![0]!;
    };
    const owner = uniquePhone();
    const first = await send(owner, slotIds[0]!, "Anon Owner");
    expect(JSON.parse(first.result!)).toMatchObject({ booked: true });
    const other = await send(uniquePhone(), slotIds[1]!, "Anon Other");
    expect(other.error).toMatch(/already used/);
    expect(other.error).not.toContain("Anon Owner");
    expect((await send(owner, slotIds[0]!, "Anon Owner")).result).toBe(first.result);
    const booked = await testDatabase()
      .db.select()
      .from(appointments)
      .where(and(eq(appointments.slotId, slotIds[1]!), eq(appointments.status, "booked")));
    expect(booked).toHaveLength(0);
  });
});

describe("the per-caller limit on side effects", () => {
  it("counts a reused toolCallId in a new call, and never a redelivery in the same call", async () => {
    const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
    const limited = await createTestApp({
      toolsDir: fixtures,
      env: { SIDE_EFFECT_LIMIT_PER_MINUTE: "2" },
      clock: fixedClock("2026-03-02T11:00:30Z"),
    });
    await testDatabase().db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
    const caller = uniquePhone();
    const id = testToolCallId();
    const note = async (callId: string) =>
      (await limited.webhook(toolCallsMessage([{ id, name: "record_note", args: { note: `limit-${callId}` } }], { caller, callId }))).json
        .results![0]!;
    const calls = [testCallId(), testCallId(), testCallId()];
    const first = await note(calls[0]!);
    expect(first.result).toBeDefined();
    expect(await note(calls[0]!)).toEqual(first);
    expect((await note(calls[1]!)).result).toBeDefined();
    // The third change in this minute, whatever its toolCallId looks like.
    expect((await note(calls[2]!)).error).toMatch(/wait a minute/);
  });
});
