// Protects changes to one appointment made at the same time (a cancel and a reschedule in one message): each applies only to the appointment as the caller heard it, so exactly one succeeds, the other says what happened, and the row matches what was said.
import { eq, sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments } from "../../src/db/schema/index.ts";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { startPrivatePostgres } from "../support/private-stack.ts";
import { testCallId, toolCallsMessage } from "../support/vapi-messages.ts";

let t: TestApp;
// A private Postgres: the test holds a row lock on a connection of its own while the tools'
// transactions queue behind it, which the embedded database (one connection) cannot serve.
let pg: Awaited<ReturnType<typeof startPrivatePostgres>>;
let locker: postgres.Sql;
beforeAll(async () => {
  pg = await startPrivatePostgres();
  t = await createTestApp({ db: pg.database.db, env: { TOOL_BUDGET_MS: "10000", SIDE_EFFECT_LIMIT_PER_MINUTE: "0", LOG_LEVEL: "warn" } });
  locker = postgres(pg.url, { max: 1, onnotice: () => {} });
}, 60_000);
afterAll(async () => {
  await locker?.end();
  await pg?.destroy();
}, 60_000);

/**
 * Holds the appointment's row locked, so the tools' updates queue behind the lock in the order
 * they arrive; `waiting(n)` resolves once n sessions are queued behind this one (directly or in line).
 */
async function holdRow(code: string) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let started!: (pid: number) => void;
  const pid = new Promise<number>((r) => (started = r));
  const holder = locker.begin(async (tx) => {
    const [row] = await tx`select pg_backend_pid() as pid from appointments where confirmation_code = ${code} for update`;
    started(row!.pid as number);
    await released;
  });
  const me = await pid;
  const waiting = (n: number) =>
    expect
      .poll(
        async () => {
          const rows = await pg.database.db.execute<{ pid: number; blockers: number[] }>(
            sql`select pid, pg_blocking_pids(pid) as blockers from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
          );
          const queued = new Set<number>([me]);
          for (let grew = true; grew; ) {
            grew = false;
            for (const r of rows) {
              if (!queued.has(r.pid) && r.blockers.some((b) => queued.has(b))) {
                queued.add(r.pid);
                grew = true;
              }
            }
          }
          return queued.size - 1;
        },
        { timeout: 10_000, interval: 20 },
      )
      .toBeGreaterThanOrEqual(n);
  return {
    waiting,
    release: async () => {
      release();
      await holder;
    },
  };
}

async function bookedAppointment() {
  const caller = uniquePhone();
  const { slotIds } = await givenSlots(t, [60, 62]);
  const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Both Ways" }, { caller });
  return { caller, code: booked.data!.confirmationCode as string, from: slotIds[0]!, to: slotIds[1]! };
}

const send = (caller: string, callId: string, name: string, args: Record<string, unknown>) =>
  t.webhook(toolCallsMessage([{ name, args }], { caller, callId })).then((r) => r.json.results![0]!);

const rowOf = async (code: string) => (await pg.database.db.select().from(appointments).where(eq(appointments.confirmationCode, code)))[0]!;

describe("a cancel and a reschedule of one appointment at the same time", () => {
  it("cancel first: the appointment is cancelled where it was, and the reschedule says so and moves nothing", async () => {
    const { caller, code, from, to } = await bookedAppointment();
    const callId = testCallId();
    const row = await holdRow(code);
    const cancel = send(caller, callId, "cancel_appointment", { confirmationCode: code });
    await row.waiting(1);
    const reschedule = send(caller, callId, "reschedule_appointment", { confirmationCode: code, newSlotId: to });
    await row.waiting(2);
    await row.release();

    const [c, r] = await Promise.all([cancel, reschedule]);
    expect(JSON.parse(c.result!)).toMatchObject({ cancelled: true, confirmationCode: code });
    expect(r.result).toBeUndefined();
    expect(r.error).toMatch(/just cancelled/);
    expect(await rowOf(code)).toMatchObject({ status: "cancelled", slotId: from });
  });

  it("reschedule first: the appointment is moved and stays booked, and the cancel says it was just moved", async () => {
    const { caller, code, to } = await bookedAppointment();
    const callId = testCallId();
    const row = await holdRow(code);
    const reschedule = send(caller, callId, "reschedule_appointment", { confirmationCode: code, newSlotId: to });
    await row.waiting(1);
    const cancel = send(caller, callId, "cancel_appointment", { confirmationCode: code });
    await row.waiting(2);
    await row.release();

    const [r, c] = await Promise.all([reschedule, cancel]);
    const moved = JSON.parse(r.result!);
    expect(moved).toMatchObject({ rescheduled: true, confirmationCode: code });
    expect(c.result).toBeUndefined();
    expect(c.error).toMatch(/just moved/);
    expect(c.error).toContain(moved.time);
    expect(await rowOf(code)).toMatchObject({ status: "booked", slotId: to });
  });

  it("in one message, whichever runs first: what each answer says is what the row shows", async () => {
    const { caller, code, from, to } = await bookedAppointment();
    const msg = toolCallsMessage(
      [
        { name: "cancel_appointment", args: { confirmationCode: code } },
        { name: "reschedule_appointment", args: { confirmationCode: code, newSlotId: to } },
      ],
      { caller },
    );
    const [c, r] = (await t.webhook(msg)).json.results!;
    const cancelled = c!.result ? JSON.parse(c!.result) : undefined;
    const moved = r!.result ? JSON.parse(r!.result) : undefined;
    expect(cancelled ?? moved, "one of them succeeds").toBeDefined();
    const row = await rowOf(code);
    if (cancelled && moved) {
      // Only if one ran entirely after the other: the cancel then cancelled the moved appointment.
      expect(cancelled.time).toBe(moved.time);
      expect(row).toMatchObject({ status: "cancelled", slotId: to });
    } else if (cancelled) {
      expect(row).toMatchObject({ status: "cancelled", slotId: from });
    } else {
      expect(row).toMatchObject({ status: "booked", slotId: to });
    }
  });

  it("two cancels at once: both hear it is cancelled, and the second knows it already was", async () => {
    const { caller, code } = await bookedAppointment();
    const row = await holdRow(code);
    const first = send(caller, testCallId(), "cancel_appointment", { confirmationCode: code });
    await row.waiting(1);
    const second = send(caller, testCallId(), "cancel_appointment", { confirmationCode: code });
    await row.waiting(2);
    await row.release();
    const [a, b] = await Promise.all([first, second]);
    expect(JSON.parse(a.result!)).toMatchObject({ cancelled: true });
    expect(JSON.parse(b.result!)).toMatchObject({ cancelled: true, alreadyCancelled: true });
  });
});
