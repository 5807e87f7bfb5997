// Protects callers and bookings under Postgres faults: stopped, locked or hung, reads answer from the cache, writes speak a failure that offers a person, nothing is reported booked that is not committed, and a late transaction never books twice.
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoHalfWrittenBookings, lostCodes } from "../support/booking-audit.ts";
import { callTool, givenShipment, givenSlots, uniquePhone } from "../support/business.ts";
import type { TestApp } from "../support/harness.ts";
import { type PrivateStack, startPrivateStack } from "../support/private-stack.ts";
import { testCallId, testToolCallId } from "../support/vapi-messages.ts";

let stack: PrivateStack;
let t: TestApp;

beforeAll(async () => {
  stack = await startPrivateStack();
  // A transfer number is configured, so our failures offer a person (without one they must not).
  t = await stack.app({
    env: { LOG_LEVEL: "warn", SIDE_EFFECT_LIMIT_PER_MINUTE: "0", TOOL_BUDGET_MS: "3000", TRANSFER_NUMBER: "+15557654321" },
  });
}, 120_000);

afterAll(() => stack?.destroy(), 60_000);

const OFFERS_A_PERSON = /connect you with a person/;

const bookingsOn = async (slotId: string) =>
  (await stack.database.db.execute<{ n: number }>(sql`select count(*)::int as n from appointments where slot_id = ${slotId}`))[0]!.n;

const waitForPostgres = () =>
  expect
    .poll(
      () =>
        stack.database.db
          .execute(sql`select 1`)
          .then(() => true)
          .catch(() => false),
      { timeout: 30_000, interval: 200 },
    )
    .toBe(true);

describe("Postgres stopped", () => {
  it("answers cached reads, refuses writes with a spoken failure offering a person, and loses no acknowledged booking", async () => {
    const caller = uniquePhone();
    const tn = await givenShipment(t, { currentLocation: "Denver, CO" });
    const { slotIds } = await givenSlots(t, [100, 101, 102, 103, 104, 105]);
    expect((await callTool(t, "get_shipment_status", { trackingNumber: tn })).data!.location).toBe("Denver, CO");
    const acknowledged: string[] = [];
    const before = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Before" }, { caller });
    acknowledged.push(before.data!.confirmationCode);

    await stack.postgres.stop();
    try {
      // Stale is better than silence: the cached status answers.
      const cached = await callTool(t, "get_shipment_status", { trackingNumber: tn });
      expect(cached.data!.location).toBe("Denver, CO");

      const attempts = await Promise.all(
        slotIds.slice(1).map((slotId, i) => callTool(t, "book_appointment", { slotId, customerName: `During ${i}` }, { caller })),
      );
      for (const a of attempts) {
        expect(a.result, "nothing is reported booked while Postgres is down").toBeUndefined();
        expect(a.error).toMatch(OFFERS_A_PERSON);
        expect(a.error).not.toMatch(/ECONNREFUSED|postgres|stack/i);
      }
    } finally {
      await stack.postgres.start();
    }
    await waitForPostgres();

    // The same app books again without a restart, and every code it ever acknowledged is stored.
    const after = await callTool(t, "book_appointment", { slotId: slotIds[1], customerName: "After" }, { caller });
    acknowledged.push(after.data!.confirmationCode);
    expect(await lostCodes(stack.database.db, acknowledged)).toEqual([]);
    for (const slotId of slotIds.slice(2)) expect(await bookingsOn(slotId)).toBe(0);
    await expectNoHalfWrittenBookings(stack.database.db);
  });
});

describe("Postgres slow (a long lock on appointments)", () => {
  it("cuts the wait at the budget, speaks the fallback, and the late transactions never add a booking when the model retries", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [120]);
    const slotId = slotIds[0]!;
    const locker = postgres(stack.postgres.url, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = locker.begin(async (tx) => {
      await tx`lock table appointments in exclusive mode`;
      locked();
      await released;
    });
    const firstId = testToolCallId();
    const firstCall = testCallId();
    try {
      await isLocked;
      // Both the first try and the model's retry with a new toolCallId wait on the lock: the budget answers them.
      const [first, retry] = await Promise.all([
        callTool(t, "book_appointment", { slotId, customerName: "Slow" }, { caller, id: firstId, callId: firstCall }),
        callTool(t, "book_appointment", { slotId, customerName: "Slow" }, { caller }),
      ]);
      for (const a of [first, retry]) {
        expect(a.result).toBeUndefined();
        expect(a.error).toMatch(/taking longer than it should/);
        expect(a.error).toMatch(OFFERS_A_PERSON);
      }
    } finally {
      release();
      await holder;
      await locker.end();
    }
    // The late transactions go on once the lock is gone, and roll back: no booking, no stored answer.
    await expect
      .poll(
        async () =>
          (
            await stack.database.db.execute<{ n: number }>(
              sql`select count(*)::int as n from pg_stat_activity where state like 'idle in transaction%' or wait_event_type = 'Lock'`,
            )
          )[0]!.n,
        { timeout: 20_000 },
      )
      .toBe(0);
    expect(await bookingsOn(slotId)).toBe(0);

    // The model tries again: once with a new toolCallId, once re-sending the first one. One booking, one code.
    const again = await callTool(t, "book_appointment", { slotId, customerName: "Slow" }, { caller });
    const resent = await callTool(t, "book_appointment", { slotId, customerName: "Slow" }, { caller, id: firstId, callId: firstCall });
    expect(again.data).toMatchObject({ booked: true });
    expect(resent.data).toMatchObject({ booked: true, confirmationCode: again.data!.confirmationCode });
    expect(await bookingsOn(slotId)).toBe(1);
    await expectNoHalfWrittenBookings(stack.database.db);
  });
});

describe("Postgres hung (paused) during a burst of bookings", () => {
  it("answers every call, and every acknowledged code is stored once Postgres resumes", async () => {
    const { slotIds } = await givenSlots(
      t,
      Array.from({ length: 24 }, (_, i) => 140 + i),
    );
    const answers: Promise<Awaited<ReturnType<typeof callTool>>>[] = [];
    let firstTimeout!: () => void;
    const timedOut = new Promise<void>((r) => (firstTimeout = r));
    for (const [i, slotId] of slotIds.entries()) {
      if (i === 8) stack.postgres.pause();
      answers.push(
        callTool(t, "book_appointment", { slotId, customerName: `Burst ${i}` }, { caller: uniquePhone() }).then((a) => {
          if (a.error) firstTimeout();
          return a;
        }),
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    try {
      // Resume once the hang has been answered by the budget (or everything was answered anyway).
      await Promise.race([timedOut, Promise.all(answers)]);
    } finally {
      stack.postgres.resume();
    }
    const settled = await Promise.all(answers);
    const codes = settled.filter((a) => a.data?.booked).map((a) => a.data!.confirmationCode as string);
    const failed = settled.filter((a) => !a.data?.booked);
    expect(failed.length, "the hang reached some bookings").toBeGreaterThan(0);
    for (const a of failed) expect(a.error).toMatch(OFFERS_A_PERSON);
    await waitForPostgres();
    expect(await lostCodes(stack.database.db, codes)).toEqual([]);
    await expectNoHalfWrittenBookings(stack.database.db);
  });
});
