/** A caller's own appointments: the upcoming list, and the next one for personalization. */
import { and, asc, eq, gt, type SQL } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import { appointments, customers, services, slots } from "../../db/schema/index.ts";
import { speakDayTime, spellOut } from "../../lib/speak.ts";
import { MATCHES_NOTHING, type ReadContext, type ServiceContext, type WarmQueryContext } from "../context.ts";
import { findCustomerByPhone, warmCustomerQueries } from "../customers.ts";

export interface AppointmentView {
  confirmationCode: string;
  /** The code as it is read to a caller ("K 7 P 2, Q M"). */
  confirmationCodeSpoken: string;
  time: string;
  service: string;
  name: string;
}

/** The caller's upcoming booked appointments, soonest first. */
export async function listAppointments(ctx: ServiceContext, callerNumber: string): Promise<AppointmentView[]> {
  // Most callers are not customers yet: the cached customer lookup answers them without a query.
  if (!(await findCustomerByPhone(ctx, callerNumber))) return [];
  const rows = await upcomingOf(ctx, callerNumber);
  return rows.map((r) => view(r, ctx.clock.now(), ctx.timeZone));
}

export interface NextAppointment {
  service: string;
  /** ISO start, UTC. */
  startsAt: string;
  /** The start spoken in the business's time zone. */
  time: string;
}

interface CachedUpcoming {
  service: string;
  startsAt: string;
}

/**
 * The caller's next booked appointment, read through the cache under the caller's generation
 * (bookings, cancellations and moves bump it). A few upcoming starts are cached and the past
 * ones dropped at read time, so an entry never offers an appointment that has begun.
 */
export async function findNextAppointment(ctx: ReadContext, callerNumber: string): Promise<NextAppointment | undefined> {
  const upcoming = await namespaces.appointmentsOfCaller.read<CachedUpcoming[]>(ctx, callerNumber, async () => {
    if (!(await findCustomerByPhone(ctx, callerNumber))) return [];
    const rows = await upcomingOf(ctx, callerNumber);
    return rows.slice(0, 3).map((r) => ({ service: r.service, startsAt: r.startsAt.toISOString() }));
  });
  const now = ctx.clock.now().getTime();
  const next = upcoming.find((a) => Date.parse(a.startsAt) > now);
  return next ? { ...next, time: speakDayTime(new Date(next.startsAt), ctx.clock.now(), ctx.timeZone) } : undefined;
}

/** Runs list_my_appointments' queries (customer by phone, upcoming appointments) for a number that matches nothing. */
export async function warmAppointmentQueries(ctx: WarmQueryContext): Promise<void> {
  await warmCustomerQueries(ctx);
  await upcomingOf(ctx, MATCHES_NOTHING);
}

/** The caller's appointments with their slot and service, narrowed by `conditions`. */
export function appointmentsOfCaller(db: ServiceContext["db"], callerNumber: string, ...conditions: (SQL | undefined)[]) {
  return db
    .select({
      id: appointments.id,
      confirmationCode: appointments.confirmationCode,
      name: appointments.customerName,
      startsAt: slots.startsAt,
      serviceId: slots.serviceId,
      service: services.name,
      slotId: slots.id,
      status: appointments.status,
    })
    .from(appointments)
    .innerJoin(customers, eq(customers.id, appointments.customerId))
    .innerJoin(slots, eq(slots.id, appointments.slotId))
    .innerJoin(services, eq(services.id, slots.serviceId))
    .where(and(eq(customers.phone, callerNumber), ...conditions));
}

export async function upcomingOf(ctx: Pick<ServiceContext, "db" | "clock">, callerNumber: string, confirmationCodeFilter?: string) {
  return appointmentsOfCaller(
    ctx.db,
    callerNumber,
    eq(appointments.status, "booked"),
    gt(slots.startsAt, ctx.clock.now()),
    confirmationCodeFilter ? eq(appointments.confirmationCode, confirmationCodeFilter) : undefined,
  )
    .orderBy(asc(slots.startsAt))
    .limit(10);
}

export const view = (
  r: { confirmationCode: string; name: string; startsAt: Date; service: string },
  now: Date,
  timeZone: string,
): AppointmentView => ({
  confirmationCode: r.confirmationCode,
  confirmationCodeSpoken: spellOut(r.confirmationCode),
  time: speakDayTime(r.startsAt, now, timeZone),
  service: r.service,
  name: r.name,
});
