/**
 * The appointments a reminder campaign calls about: booked ones starting on one local day of the
 * business, whose customer is not on the do-not-call list, soonest first.
 */
import { and, asc, eq, gte, isNull, lt } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { appointments, customers, doNotCall, services, slots } from "../../db/schema/index.ts";
import { localDayBounds } from "../../lib/speak.ts";

export interface ReminderAppointment {
  appointmentId: string;
  number: string;
  customerName: string;
  service: string;
  startsAt: Date;
  confirmationCode: string;
}

/** Vapi's limit on a campaign's customers. */
export const MAX_CAMPAIGN_CUSTOMERS = 10_000;

/** Booked appointments starting on `date` (YYYY-MM-DD in `timeZone`), customers on the do-not-call list left out. */
export async function appointmentsOn(db: Database, date: string, timeZone: string, notBefore?: Date): Promise<ReminderAppointment[]> {
  const bounds = localDayBounds(date, timeZone);
  const start = notBefore && notBefore > bounds.start ? notBefore : bounds.start;
  const { end } = bounds;
  return db
    .select({
      appointmentId: appointments.id,
      number: customers.phone,
      customerName: appointments.customerName,
      service: services.name,
      startsAt: slots.startsAt,
      confirmationCode: appointments.confirmationCode,
    })
    .from(appointments)
    .innerJoin(customers, eq(customers.id, appointments.customerId))
    .innerJoin(slots, eq(slots.id, appointments.slotId))
    .innerJoin(services, eq(services.id, slots.serviceId))
    .leftJoin(doNotCall, eq(doNotCall.number, customers.phone))
    .where(and(eq(appointments.status, "booked"), gte(slots.startsAt, start), lt(slots.startsAt, end), isNull(doNotCall.number)))
    .orderBy(asc(slots.startsAt))
    .limit(MAX_CAMPAIGN_CUSTOMERS);
}
