/** Cancelling and moving one of the caller's upcoming appointments; the freed slot is offered again at once. */
import { and, eq, sql } from "drizzle-orm";
import { invalidate } from "../../cache/read-through.ts";
import { appointments } from "../../db/schema/index.ts";
import { normalizeReference } from "../../lib/patterns.ts";
import { speakDayTime } from "../../lib/speak.ts";
import { fail, isUniqueViolation, ok, type Result, type ServiceContext } from "../context.ts";
import { nearestAlternatives } from "./availability.ts";
import { changedByBooking, loadSlot, slotNotFound } from "./booking.ts";
import { type AppointmentView, appointmentsOfCaller, upcomingOf, view } from "./my-appointments.ts";

async function cancelledOf(ctx: ServiceContext, callerNumber: string, code: string) {
  const [row] = await appointmentsOfCaller(
    ctx.db,
    callerNumber,
    eq(appointments.status, "cancelled"),
    eq(appointments.confirmationCode, normalizeConfirmationCode(code)),
  );
  return row;
}

/** Confirmation codes are spoken: "k7 p2-qm" is "K7P2QM". */
/** Confirmation codes are spoken: "k7 p2-qm" is "K7P2QM". */
export const normalizeConfirmationCode = normalizeReference;

/**
 * Which of the caller's appointments an action means: the one with `code`, or the only upcoming
 * one. Another caller's code is "not found" (it is not theirs to know about).
 */
export async function resolveTarget(ctx: ServiceContext, callerNumber: string, code: string | undefined) {
  const rows = await upcomingOf(ctx, callerNumber, code ? normalizeConfirmationCode(code) : undefined);
  if (rows.length === 1) return ok(rows[0]!);
  if (rows.length === 0) {
    return code
      ? fail("not_found", "I couldn't find an upcoming appointment with that confirmation code for the number you're calling from.")
      : fail("not_found", "I don't see any upcoming appointments for the number you're calling from.");
  }
  return fail("invalid", "You have more than one upcoming appointment. Which one do you mean?", {
    appointments: rows.map((r) => view(r, ctx.clock.now(), ctx.timeZone)),
  });
}

/**
 * What became of an appointment that a conditional change found changed meanwhile (a cancel or a
 * move by a concurrent call that committed first): its row as it is now.
 */
async function currently(ctx: ServiceContext, callerNumber: string, appointmentId: string) {
  const [row] = await appointmentsOfCaller(ctx.db, callerNumber, eq(appointments.id, appointmentId));
  return row;
}

/**
 * The change applies only to the appointment as the caller heard it: still booked, still at the
 * same slot. A concurrent cancel or move that committed first makes it match no row (Postgres
 * re-checks the condition once the other transaction's row lock is released).
 */
const asHeard = (appt: { id: string; slotId: string }) =>
  and(eq(appointments.id, appt.id), eq(appointments.status, "booked"), eq(appointments.slotId, appt.slotId));

/** Cancels one of the caller's upcoming appointments; the slot is offered again at once. */
export async function cancelAppointment(
  ctx: ServiceContext,
  input: { callerNumber: string; confirmationCode?: string | undefined },
): Promise<Result<AppointmentView & { cancelled: true; alreadyCancelled?: true }>> {
  const target = await resolveTarget(ctx, input.callerNumber, input.confirmationCode);
  if (!target.ok) {
    // The model re-asking after a barge-in (a new toolCallId) must hear "cancelled", not "not found".
    const done = input.confirmationCode ? await cancelledOf(ctx, input.callerNumber, input.confirmationCode) : undefined;
    return done ? ok({ ...view(done, ctx.clock.now(), ctx.timeZone), cancelled: true, alreadyCancelled: true }) : target;
  }
  const appt = target.value;
  const [cancelled] = await ctx.db
    .update(appointments)
    .set({ status: "cancelled", cancelledAt: ctx.clock.now(), updatedAt: sql`now()` })
    .where(asHeard(appt))
    .returning({ id: appointments.id });
  if (!cancelled) {
    const now = await currently(ctx, input.callerNumber, appt.id);
    if (!now || now.status === "cancelled")
      return ok({ ...view(now ?? appt, ctx.clock.now(), ctx.timeZone), cancelled: true, alreadyCancelled: true });
    return fail(
      "conflict",
      `That appointment was just moved to ${speakDayTime(now.startsAt, ctx.clock.now(), ctx.timeZone)}. Do you still want to cancel it?`,
      {
        appointment: view(now, ctx.clock.now(), ctx.timeZone),
      },
    );
  }
  ctx.afterCommit(() => invalidate(ctx.cache, changedByBooking(input.callerNumber), ctx.logger));
  return ok({ ...view(appt, ctx.clock.now(), ctx.timeZone), cancelled: true });
}

/**
 * Moves one of the caller's appointments to `newSlotId`, keeping its confirmation code. The
 * move is one UPDATE guarded by the same unique index as bookings, inside a savepoint so a lost
 * race leaves the transaction usable for offering alternatives; like a cancel, it applies only
 * to the appointment as the caller heard it.
 */
export async function rescheduleAppointment(
  ctx: ServiceContext,
  input: { callerNumber: string; confirmationCode?: string | undefined; newSlotId: string },
): Promise<Result<AppointmentView & { previousTime: string }>> {
  const target = await resolveTarget(ctx, input.callerNumber, input.confirmationCode);
  if (!target.ok) return target;
  const appt = target.value;
  const slot = await loadSlot(ctx, input.newSlotId);
  if (!slot) return slotNotFound(ctx);
  const previousTime = speakDayTime(appt.startsAt, ctx.clock.now(), ctx.timeZone);
  if (slot.id === appt.slotId) return ok({ ...view(appt, ctx.clock.now(), ctx.timeZone), previousTime });
  const time = speakDayTime(slot.startsAt, ctx.clock.now(), ctx.timeZone);
  if (slot.startsAt.getTime() <= ctx.clock.now().getTime()) {
    return fail("invalid", "That time has already passed.", {
      alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
    });
  }
  let moved: boolean;
  try {
    moved = await ctx.db.transaction(async (savepoint) => {
      const rows = await savepoint
        .update(appointments)
        .set({ slotId: slot.id, updatedAt: sql`now()` })
        .where(asHeard(appt))
        .returning({ id: appointments.id });
      return rows.length > 0;
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return fail("conflict", `Sorry, ${time} was just taken. Your appointment is still ${previousTime}.`, {
      alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
    });
  }
  if (!moved) {
    const now = await currently(ctx, input.callerNumber, appt.id);
    if (!now || now.status === "cancelled") {
      return fail("conflict", `That appointment was just cancelled, so there is nothing to move. I can book ${time} as a new appointment.`);
    }
    if (now.slotId === slot.id) return ok({ ...view(now, ctx.clock.now(), ctx.timeZone), previousTime });
    return fail(
      "conflict",
      `That appointment was just moved to ${speakDayTime(now.startsAt, ctx.clock.now(), ctx.timeZone)}. Should I move it to ${time} instead?`,
      { appointment: view(now, ctx.clock.now(), ctx.timeZone) },
    );
  }
  ctx.afterCommit(() => invalidate(ctx.cache, changedByBooking(input.callerNumber), ctx.logger));
  return ok({ ...view({ ...appt, startsAt: slot.startsAt, service: slot.service }, ctx.clock.now(), ctx.timeZone), previousTime });
}
