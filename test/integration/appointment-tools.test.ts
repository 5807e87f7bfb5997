// Protects booking: availability, no double booking under concurrency, idempotency by toolCallId, the same-caller duplicate, caller scoping, and availability freshness with the cache in front.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
});

const activeOn = async (slotId: string) =>
  (
    await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from appointments where slot_id = ${slotId} and status = 'booked'`,
    )
  )[0]!.n;

describe("check_availability", () => {
  it("offers at most five open slots, soonest first, with a slotId and a speakable local time", async () => {
    const { serviceName, slotIds } = await givenSlots(t, [26, 27, 28, 29, 30, 31, 32]);
    const a = await callTool(t, "check_availability", { service: serviceName });
    expect(a.data!.slots).toHaveLength(5);
    expect(a.data!.slots.map((s: { slotId: string }) => s.slotId)).toEqual(slotIds.slice(0, 5));
    expect(a.data!.slots[0].time).toMatch(/^(today|tomorrow|[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}) at \d{1,2}(:\d{2})? (AM|PM)$/);
  });

  it("narrows to a day", async () => {
    const { serviceName } = await givenSlots(t, [24 * 3, 24 * 5]);
    const all = await callTool(t, "check_availability", { service: serviceName });
    const date = new Intl.DateTimeFormat("en-CA", { timeZone: t.deps.config.BUSINESS_TIMEZONE }).format(
      new Date(Date.now() + 5 * 86_400_000),
    );
    const day = await callTool(t, "check_availability", { service: serviceName, date });
    expect(day.data!.slots).toEqual([all.data!.slots[1]]);
  });

  it("answers an unknown service or an unreadable day with an error the model can act on", async () => {
    expect((await callTool(t, "check_availability", { service: "time travel" })).error).toMatch(/We don't offer "time travel"/);
    expect((await callTool(t, "check_availability", { date: "someday" })).error).toMatch(/didn't understand the day/);
  });

  it("rejects invalid arguments, naming the field", async () => {
    expect((await callTool(t, "check_availability", { limit: 50 })).error).toMatch(/^Invalid arguments: "limit"/);
  });
});

describe("book_appointment", () => {
  it("books for the caller and returns a confirmation code; the slot leaves availability at once (cache in front)", async () => {
    const caller = uniquePhone();
    const { serviceName, slotIds } = await givenSlots(t, [30, 31]);
    // Warm the cached availability list first: the booking must invalidate it.
    expect((await callTool(t, "check_availability", { service: serviceName })).data!.slots).toHaveLength(2);

    const a = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Ada Lovelace", notes: "first visit" }, { caller });
    expect(a.data).toMatchObject({ booked: true, name: "Ada Lovelace", service: serviceName });
    expect(a.data!.confirmationCode).toMatch(/^[A-Z2-9]{6}$/);

    const after = await callTool(t, "check_availability", { service: serviceName });
    expect(after.data!.slots.map((s: { slotId: string }) => s.slotId)).toEqual([slotIds[1]]);
  });

  it("answers an unknown slot with an error offering open times", async () => {
    await givenSlots(t, [40]);
    const a = await callTool(t, "book_appointment", { slotId: "00000000-0000-0000-0000-000000000000", customerName: "X" });
    expect(a.error).toMatch(/^I couldn't find that time slot/);
    expect(a.error).toContain('"alternatives"');
  });

  it("rejects invalid arguments, naming the field", async () => {
    const a = await callTool(t, "book_appointment", { slotId: "abc" });
    expect(a.error).toBe('Invalid arguments: "customerName" is required.');
  });

  it("refuses to book without a caller number", async () => {
    const { slotIds } = await givenSlots(t, [41]);
    const a = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "X" }, { caller: null });
    expect(a.error).toMatch(/can't see the number you're calling from/);
    expect(await activeOn(slotIds[0]!)).toBe(0);
  });

  it("lets exactly one of many concurrent bookings of one slot win; the others hear the nearest alternatives", async () => {
    const { slotIds } = await givenSlots(t, [50, 51, 60]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callTool(t, "book_appointment", { slotId: slotIds[0], customerName: `Caller ${i}` }, { caller: uniquePhone() }),
      ),
    );
    const wins = answers.filter((a) => a.data?.booked);
    expect(wins).toHaveLength(1);
    const losses = answers.filter((a) => a.error);
    expect(losses).toHaveLength(7);
    for (const l of losses) {
      expect(l.error).toMatch(/was just taken/);
      const alternatives = JSON.parse(l.error!.slice(l.error!.indexOf("{"))).alternatives as { slotId: string }[];
      expect(alternatives.map((x) => x.slotId)).toEqual([slotIds[1], slotIds[2]]);
    }
    expect(await activeOn(slotIds[0]!)).toBe(1);
  });

  it("runs one side effect for ten concurrent deliveries of the same toolCallId, with identical answers", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [70]);
    const id = `call_${Math.random().toString(36).slice(2)}`;
    const callId = `call-${Math.random().toString(36).slice(2)}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Grace" }, { caller, id, callId }),
      ),
    );
    expect(new Set(answers.map((a) => a.result)).size).toBe(1);
    expect(answers[0]!.data!.booked).toBe(true);
    const rows = await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from appointments where slot_id = ${slotIds[0]}`,
    );
    expect(rows[0]!.n).toBe(1);
  });

  it("gives the same caller booking the same slot again (a new toolCallId) their existing booking", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [80]);
    const first = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Alan" }, { caller });
    const again = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Alan" }, { caller });
    expect(again.data).toMatchObject({ booked: true, alreadyBooked: true, confirmationCode: first.data!.confirmationCode });
    expect(await activeOn(slotIds[0]!)).toBe(1);
  });
});

describe("list, reschedule and cancel", () => {
  it("act only on the caller's own appointments", async () => {
    const alice = uniquePhone();
    const mallory = uniquePhone();
    const { slotIds } = await givenSlots(t, [90, 91, 92]);
    const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Alice" }, { caller: alice });
    const code = booked.data!.confirmationCode as string;

    const list = await callTool(t, "list_my_appointments", {}, { caller: alice });
    expect(list.data!.appointments).toEqual([expect.objectContaining({ confirmationCode: code, name: "Alice" })]);
    expect((await callTool(t, "list_my_appointments", {}, { caller: mallory })).data!.appointments).toEqual([]);

    const moveOther = await callTool(t, "reschedule_appointment", { newSlotId: slotIds[1], confirmationCode: code }, { caller: mallory });
    expect(moveOther.error).toMatch(/couldn't find an upcoming appointment with that confirmation code/);
    const cancelOther = await callTool(t, "cancel_appointment", { confirmationCode: code }, { caller: mallory });
    expect(cancelOther.error).toMatch(/couldn't find an upcoming appointment/);
    expect(await activeOn(slotIds[0]!)).toBe(1);
  });

  it("reschedule moves the appointment, keeps its code, and frees the old time", async () => {
    const caller = uniquePhone();
    const { serviceName, slotIds } = await givenSlots(t, [100, 101]);
    const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Lin" }, { caller });
    await callTool(t, "check_availability", { service: serviceName });
    const moved = await callTool(t, "reschedule_appointment", { newSlotId: slotIds[1] }, { caller });
    expect(moved.data).toMatchObject({ rescheduled: true, confirmationCode: booked.data!.confirmationCode });
    expect(moved.data!.previousTime).toBe(booked.data!.time);
    const open = await callTool(t, "check_availability", { service: serviceName });
    expect(open.data!.slots.map((s: { slotId: string }) => s.slotId)).toEqual([slotIds[0]]);
  });

  it("reschedule onto a taken slot fails, keeps the appointment, and offers alternatives", async () => {
    const [a, b] = [uniquePhone(), uniquePhone()];
    const { slotIds } = await givenSlots(t, [110, 111, 112]);
    await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "A" }, { caller: a });
    await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "B" }, { caller: b });
    const moved = await callTool(t, "reschedule_appointment", { newSlotId: slotIds[1] }, { caller: a });
    expect(moved.error).toMatch(/was just taken\. Your appointment is still/);
    expect(moved.error).toContain(slotIds[2]);
    expect(await activeOn(slotIds[0]!)).toBe(1);
  });

  it("cancel frees the slot for others at once", async () => {
    const caller = uniquePhone();
    const { serviceName, slotIds } = await givenSlots(t, [120]);
    await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Kim" }, { caller });
    expect((await callTool(t, "check_availability", { service: serviceName })).data!.slots).toEqual([]);
    const cancelled = await callTool(t, "cancel_appointment", {}, { caller });
    expect(cancelled.data).toMatchObject({ cancelled: true, name: "Kim" });
    expect(
      (await callTool(t, "check_availability", { service: serviceName })).data!.slots.map((s: { slotId: string }) => s.slotId),
    ).toEqual([slotIds[0]]);
    expect((await callTool(t, "cancel_appointment", {}, { caller })).error).toMatch(/don't see any upcoming appointments/);
  });

  it("a cancel re-issued with a new toolCallId hears it is already cancelled; another caller's code stays unknown", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [125]);
    const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Ola" }, { caller });
    const code = (booked.data!.confirmationCode as string).toLowerCase();
    expect((await callTool(t, "cancel_appointment", { confirmationCode: code }, { caller })).data).toMatchObject({ cancelled: true });
    expect((await callTool(t, "cancel_appointment", { confirmationCode: code }, { caller })).data).toMatchObject({
      cancelled: true,
      alreadyCancelled: true,
    });
    expect((await callTool(t, "cancel_appointment", { confirmationCode: code }, { caller: uniquePhone() })).error).toMatch(/couldn't find/);
  });

  it("asks which one when the caller has several and gave no code; rejects invalid arguments", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [130, 131]);
    await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Jo" }, { caller });
    await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "Jo" }, { caller });
    expect((await callTool(t, "cancel_appointment", {}, { caller })).error).toMatch(/more than one upcoming appointment/);
    expect((await callTool(t, "reschedule_appointment", {}, { caller })).error).toBe('Invalid arguments: "newSlotId" is required.');
    expect((await callTool(t, "cancel_appointment", { confirmationCode: 7 }, { caller })).error).toMatch(/"confirmationCode"/);
    expect((await callTool(t, "list_my_appointments", {}, { caller: null })).error).toMatch(/can't see the number/);
    expect((await callTool(t, "list_my_appointments", [1, 2], { caller })).error).toBe("The tool arguments must be a JSON object.");
    const unknownSlot = await callTool(
      t,
      "reschedule_appointment",
      { newSlotId: "00000000-0000-0000-0000-000000000000", confirmationCode: "ZZZZZZ" },
      { caller },
    );
    expect(unknownSlot.error).toMatch(/couldn't find an upcoming appointment with that confirmation code/);
    const code = (await callTool(t, "list_my_appointments", {}, { caller })).data!.appointments[0].confirmationCode;
    expect((await callTool(t, "reschedule_appointment", { newSlotId: "not-a-slot", confirmationCode: code }, { caller })).error).toMatch(
      /^I couldn't find that time slot/,
    );
  });
});
