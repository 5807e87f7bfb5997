/**
 * Booking a slot for the caller's own number. No double booking is decided by Postgres (a unique
 * index on active appointments per slot), never by checking first; every change invalidates availability.
 */
import { and, eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { appointments, customers, services, slots } from "../../db/schema/index.ts";
import { UUID } from "../../lib/patterns.ts";
import { speakDayTime } from "../../lib/speak.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";
import { KEEP_CUSTOMER_NAME } from "../customers.ts";
import { nearestAlternatives, openSlots, speakSlot } from "./availability.ts";

export async function loadSlot(ctx: ServiceContext, slotId: string) {
  if (!UUID.test(slotId)) return undefined;
  const [row] = await ctx.db
    .select({ id: slots.id, startsAt: slots.startsAt, serviceId: slots.serviceId, service: services.name })
    .from(slots)
    .innerJoin(services, eq(services.id, slots.serviceId))
    .where(eq(slots.id, slotId));
  return row;
}

interface BookingAttempt {
  id: string;
  startsAt: Date;
  serviceId: string;
  service: string;
  /** Null when the slot has already started (nothing was written). */
  customerId: string | null;
  /** Null when nothing was booked (slot started, or held by a booking). */
  confirmationCode: string | null;
  bookedName: string | null;
}

/**
 * The slot (none if it does not exist), and, if it has not started: the caller as a customer
 * (created, or named if they had no name yet) and the booking, unless someone holds the slot.
 */
export async function bookIfOpen(
  ctx: ServiceContext,
  input: { callerNumber: string; slotId: string; customerName: string; notes?: string | undefined },
): Promise<BookingAttempt | undefined> {
  const name = input.customerName.trim();
  const rows = await ctx.db.execute<Record<string, unknown>>(sql`
    with slot as (
      select ${slots.id} as id, ${slots.startsAt} as starts_at, ${slots.serviceId} as service_id, ${services.name} as service
      from ${slots} join ${services} on ${services.id} = ${slots.serviceId}
      where ${slots.id} = ${input.slotId}
    ),
    open_slot as (select * from slot where starts_at > ${ctx.clock.now().toISOString()}::timestamptz),
    customer as (
      insert into ${customers} (phone, name) select ${input.callerNumber}, ${name || null} from open_slot
      on conflict (phone) do update set name = ${KEEP_CUSTOMER_NAME}, updated_at = now()
      returning id
    ),
    booked as (
      insert into ${appointments} (slot_id, customer_id, customer_name, notes, confirmation_code)
      select open_slot.id, customer.id, ${name}, ${input.notes?.trim() || null}, ${confirmationCode()} from open_slot, customer
      on conflict (slot_id) where status = 'booked' do nothing
      returning confirmation_code, customer_name
    )
    select slot.id, slot.starts_at, slot.service_id, slot.service, (select id from customer) as customer_id,
      booked.confirmation_code, booked.customer_name
    from slot left join booked on true`);
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: String(row.id),
    startsAt: new Date(row.starts_at as string | Date),
    serviceId: String(row.service_id),
    service: String(row.service),
    customerId: (row.customer_id as string | null) ?? null,
    confirmationCode: (row.confirmation_code as string | null) ?? null,
    bookedName: (row.customer_name as string | null) ?? null,
  };
}

export async function slotNotFound(ctx: ServiceContext): Promise<Result<never>> {
  const next = await openSlots(ctx, undefined, undefined, undefined);
  const now = ctx.clock.now().getTime();
  const alternatives = next
    .filter((s) => new Date(s.startsAt).getTime() > now)
    .slice(0, 3)
    .map((s) => speakSlot(s, ctx.clock.now(), ctx.timeZone));
  return fail("not_found", "I couldn't find that time slot. Please pick one of the open times.", { alternatives });
}

export interface BookedAppointment {
  confirmationCode: string;
  time: string;
  service: string;
  name: string;
  /** True when this caller had already booked this slot: the existing booking is returned. */
  alreadyBooked?: boolean;
}

// No 0/O or 1/I/L: codes are read aloud and typed back.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

function confirmationCode(): string {
  let code = "";
  // Rejection sampling keeps every character equally likely (Web Crypto: also runs on Workers).
  // One draw of 16 bytes almost always suffices: a draw per character costs a system call each.
  while (code.length < 6) {
    for (const byte of crypto.getRandomValues(new Uint8Array(16))) {
      if (byte < 248) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
      if (code.length === 6) break;
    }
  }
  return code;
}

/**
 * Books `slotId` for the caller. Runs inside the caller's transaction. When the slot is taken
 * (even by a booking committing at the same instant), the insert does nothing: the same caller
 * gets their existing booking back, anyone else the nearest alternatives.
 */
export async function bookAppointment(
  ctx: ServiceContext,
  input: { callerNumber: string; slotId: string; customerName: string; notes?: string | undefined },
): Promise<Result<BookedAppointment>> {
  // One statement instead of four (slot, customer, booking; the holder only on a conflict):
  // every statement of a transaction costs a round trip and, in drizzle, more CPU than Postgres
  // spends on it. The customer is created or updated, and the booking tried, only for a slot
  // that exists and has not started, exactly as the separate steps did.
  const slot = UUID.test(input.slotId) ? await bookIfOpen(ctx, input) : undefined;
  if (!slot) return slotNotFound(ctx);
  if (slot.customerId === null) {
    return fail("invalid", "That time has already passed.", {
      alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
    });
  }
  const time = speakDayTime(slot.startsAt, ctx.clock.now(), ctx.timeZone);
  if (slot.confirmationCode !== null) {
    ctx.afterCommit(() => invalidate(ctx.cache, changedByBooking(input.callerNumber), ctx.logger));
    return ok({ confirmationCode: slot.confirmationCode, time, service: slot.service, name: slot.bookedName ?? input.customerName.trim() });
  }
  // Not booked, but the caller's customer record may have been created or named just now.
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.phone(input.callerNumber)], ctx.logger));
  const [holder] = await ctx.db
    .select({ confirmationCode: appointments.confirmationCode, name: appointments.customerName, customerId: appointments.customerId })
    .from(appointments)
    .where(and(eq(appointments.slotId, slot.id), eq(appointments.status, "booked")));
  if (holder && holder.customerId === slot.customerId) {
    return ok({ confirmationCode: holder.confirmationCode, time, service: slot.service, name: holder.name, alreadyBooked: true });
  }
  return fail("conflict", `Sorry, ${time} was just taken.`, {
    alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
  });
}

/** What a booking, cancellation or move changes: every availability list, and what is cached about the caller. */
export const changedByBooking = (callerNumber: string) => [genKeys.availability(), genKeys.phone(callerNumber)];
