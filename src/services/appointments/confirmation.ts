/** A customer confirming they will come to an upcoming appointment (on a reminder call). */
import { eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { appointments } from "../../db/schema/index.ts";
import { ok, type Result, type ServiceContext } from "../context.ts";
import { resolveTarget } from "./changes.ts";
import { type AppointmentView, view } from "./my-appointments.ts";

/** Marks the caller's appointment (by code, or the only upcoming one) confirmed; confirming twice is harmless. */
export async function confirmAppointment(
  ctx: ServiceContext,
  input: { callerNumber: string; confirmationCode?: string | undefined },
): Promise<Result<AppointmentView & { confirmed: true }>> {
  const target = await resolveTarget(ctx, input.callerNumber, input.confirmationCode);
  if (!target.ok) return target;
  const appt = target.value;
  await ctx.db
    .update(appointments)
    .set({ confirmedAt: sql`coalesce(${appointments.confirmedAt}, ${ctx.clock.now().toISOString()}::timestamptz)`, updatedAt: sql`now()` })
    .where(eq(appointments.id, appt.id));
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.phone(input.callerNumber)], ctx.logger));
  return ok({ ...view(appt, ctx.clock.now(), ctx.timeZone), confirmed: true });
}
