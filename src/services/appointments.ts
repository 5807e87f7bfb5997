/**
 * Appointments: availability (read through the cache), booking, rescheduling and cancelling for
 * the caller's own number. No double booking is decided by Postgres (a unique index on active
 * appointments per slot), never by checking first; every change invalidates availability.
 */
import { and, asc, eq, gt, gte, ilike, lt, ne, or, type SQL, sql } from "drizzle-orm";
import { cacheKeys, cacheTtl, genKeys } from "../cache/keys.ts";
import { invalidate, readThrough } from "../cache/read-through.ts";
import { preparedFor } from "../db/prepared.ts";
import { appointments, customers, services, slots } from "../db/schema/index.ts";
import { localDayBounds, resolveDay, speakDate, speakDateTime } from "../speak.ts";
import {
  fail,
  isUniqueViolation,
  MATCHES_NOTHING,
  NIL_UUID,
  ok,
  type ReadContext,
  type Result,
  type ServiceContext,
  type WarmQueryContext,
} from "./context.ts";
import { findCustomerByPhone, KEEP_CUSTOMER_NAME, warmCustomerQueries } from "./customers.ts";

export const PARTS_OF_DAY = ["morning", "afternoon", "evening"] as const;
export type PartOfDay = (typeof PARTS_OF_DAY)[number];
const PART_HOURS: Record<PartOfDay, [number, number]> = { morning: [0, 12], afternoon: [12, 17], evening: [17, 24] };

/** An open slot as the caller hears it; `slotId` is what book_appointment takes. */
export interface OpenSlot {
  slotId: string;
  time: string;
  service: string;
}

interface CachedSlot {
  slotId: string;
  startsAt: string;
  service: string;
}

export interface AvailabilityInput {
  service?: string | undefined;
  day?: string | undefined;
  partOfDay?: PartOfDay | undefined;
  limit?: number | undefined;
}

export interface Availability {
  slots: OpenSlot[];
  day?: string;
  /** When the asked-for day is full: the next open times after it. */
  nextAvailable?: OpenSlot[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CACHED_SLOTS = 20;

/** The next open slots (at most five), optionally for one service, day and part of the day. */
export async function findAvailability(ctx: ServiceContext, input: AvailabilityInput): Promise<Result<Availability>> {
  const limit = Math.min(Math.max(input.limit ?? 5, 1), 5);
  const now = ctx.clock.now();
  let service: { id: string; code: string } | undefined;
  if (input.service) {
    service = await findService(ctx, input.service);
    if (!service) {
      const known = await ctx.db.select({ name: services.name }).from(services).orderBy(asc(services.name)).limit(10);
      return fail("not_found", `We don't offer "${input.service}". We can book: ${known.map((k) => k.name).join(", ") || "nothing yet"}.`);
    }
  }
  let day: string | undefined;
  if (input.day) {
    day = resolveDay(input.day, now, ctx.timeZone);
    if (!day)
      return fail("invalid", `I didn't understand the day "${input.day}". Say a weekday, today, tomorrow, or a date like 2026-03-03.`);
  }
  const open = await openSlots(ctx, service, day, input.partOfDay);
  const upcoming = open.filter((s) => new Date(s.startsAt).getTime() > now.getTime()).slice(0, limit);
  const result: Availability = { slots: upcoming.map((s) => speakSlot(s, ctx.timeZone)) };
  if (day) {
    result.day = speakDate(localDayBounds(day, ctx.timeZone).start, ctx.timeZone);
    if (upcoming.length === 0) {
      const later = await openSlots(ctx, service, undefined, input.partOfDay, localDayBounds(day, ctx.timeZone).end);
      result.nextAvailable = later
        .filter((s) => new Date(s.startsAt).getTime() > now.getTime())
        .slice(0, 3)
        .map((s) => speakSlot(s, ctx.timeZone));
    }
  }
  return ok(result);
}

async function findService(ctx: Pick<ServiceContext, "db">, name: string) {
  const wanted = name.trim();
  const [row] = await serviceByName(ctx.db).execute({ code: wanted.toLowerCase(), name: wanted, pattern: `%${escapeLike(wanted)}%` });
  return row;
}

/** A service by code, exact name or part of its name (code first); prepared once per database handle. */
const serviceByName = preparedFor((db) =>
  db
    .select({ id: services.id, code: services.code })
    .from(services)
    .where(
      or(
        eq(services.code, sql.placeholder("code")),
        ilike(services.name, sql.placeholder("name")),
        ilike(services.name, sql.placeholder("pattern")),
      ),
    )
    .orderBy(sql`${services.code} = ${sql.placeholder("code")} desc`, asc(services.name))
    .limit(1)
    .prepare("service_by_name"),
);

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Open slots, read through the cache. The list is cached as loaded; slots that start before
 * "now" are dropped at read time, so an entry never offers the past.
 */
function openSlots(
  ctx: ServiceContext,
  service: { id: string; code: string } | undefined,
  day: string | undefined,
  part: PartOfDay | undefined,
  from?: Date,
): Promise<CachedSlot[]> {
  const key = cacheKeys.availability(service?.code ?? "*", `${day ?? "next"}:${part ?? "all"}:${from?.toISOString() ?? ""}`);
  return readThrough(ctx.cache, {
    key,
    genKey: genKeys.availability(),
    ...cacheTtl.availability,
    logger: ctx.logger,
    area: "availability",
    metrics: ctx.metrics,
    defer: ctx.defer,
    load: () => queryOpenSlots(ctx, service?.id, day, part, from),
  });
}

async function queryOpenSlots(
  ctx: Pick<ServiceContext, "db" | "clock" | "timeZone">,
  serviceId: string | undefined,
  day: string | undefined,
  part: PartOfDay | undefined,
  from?: Date,
): Promise<CachedSlot[]> {
  const now = ctx.clock.now();
  const bounds = day ? localDayBounds(day, ctx.timeZone) : undefined;
  const start = new Date(Math.max(now.getTime(), bounds?.start.getTime() ?? 0, from?.getTime() ?? 0));
  const hour = sql<number>`extract(hour from ${slots.startsAt} at time zone ${ctx.timeZone})`;
  const rows = await unbookedSlots(
    ctx.db,
    gt(slots.startsAt, start),
    bounds ? lt(slots.startsAt, bounds.end) : undefined,
    serviceId ? eq(slots.serviceId, serviceId) : undefined,
    part ? and(gte(hour, PART_HOURS[part][0]), lt(hour, PART_HOURS[part][1])) : undefined,
  )
    .orderBy(asc(slots.startsAt))
    .limit(CACHED_SLOTS);
  return rows.map((r) => ({ slotId: r.slotId, startsAt: r.startsAt.toISOString(), service: r.service }));
}

/** Slots nobody holds a booking for, with their service's name, narrowed by `conditions`. */
function unbookedSlots(db: ServiceContext["db"], ...conditions: (SQL | undefined)[]) {
  return db
    .select({ slotId: slots.id, startsAt: slots.startsAt, service: services.name })
    .from(slots)
    .innerJoin(services, eq(services.id, slots.serviceId))
    .where(
      and(
        ...conditions,
        sql`not exists (select 1 from ${appointments} where ${appointments.slotId} = ${slots.id} and ${appointments.status} = 'booked')`,
      ),
    );
}

/** Far enough ahead that no slot starts after it: the availability queries then match nothing. */
const END_OF_TIME = new Date("9999-01-01T00:00:00Z");

/**
 * Runs check_availability's queries (service by name, the next open slots with and without a
 * service) with values that match nothing, bypassing the cache.
 */
export async function warmAvailabilityQueries(ctx: WarmQueryContext & Pick<ServiceContext, "timeZone">): Promise<void> {
  await findService(ctx, MATCHES_NOTHING);
  await queryOpenSlots(ctx, undefined, undefined, undefined, END_OF_TIME);
  await queryOpenSlots(ctx, NIL_UUID, undefined, undefined, END_OF_TIME);
}

function speakSlot(s: CachedSlot, timeZone: string): OpenSlot {
  return { slotId: s.slotId, time: speakDateTime(new Date(s.startsAt), timeZone), service: s.service };
}

/**
 * The open slots of the same service nearest in time to `around` (uncached: read inside the
 * booking transaction, so it never offers the slot that was just lost).
 */
async function nearestAlternatives(ctx: ServiceContext, serviceId: string, around: Date, excludeSlotId: string): Promise<OpenSlot[]> {
  const rows = await unbookedSlots(ctx.db, eq(slots.serviceId, serviceId), ne(slots.id, excludeSlotId), gt(slots.startsAt, ctx.clock.now()))
    .orderBy(sql`abs(extract(epoch from (${slots.startsAt} - ${around.toISOString()}::timestamptz)))`, asc(slots.startsAt))
    .limit(3);
  return rows.map((r) => speakSlot({ slotId: r.slotId, startsAt: r.startsAt.toISOString(), service: r.service }, ctx.timeZone));
}

async function loadSlot(ctx: ServiceContext, slotId: string) {
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
async function bookIfOpen(
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

async function slotNotFound(ctx: ServiceContext): Promise<Result<never>> {
  const next = await openSlots(ctx, undefined, undefined, undefined);
  const now = ctx.clock.now().getTime();
  const alternatives = next
    .filter((s) => new Date(s.startsAt).getTime() > now)
    .slice(0, 3)
    .map((s) => speakSlot(s, ctx.timeZone));
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
  // One draw of 16 bytes almost always suffices: a draw per character showed in profiles.
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
  const time = speakDateTime(slot.startsAt, ctx.timeZone);
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

export interface AppointmentView {
  confirmationCode: string;
  time: string;
  service: string;
  name: string;
}

/** What a booking, cancellation or move changes: every availability list, and what is cached about the caller. */
const changedByBooking = (callerNumber: string) => [genKeys.availability(), genKeys.phone(callerNumber)];

/** The caller's upcoming booked appointments, soonest first. */
export async function listAppointments(ctx: ServiceContext, callerNumber: string): Promise<AppointmentView[]> {
  // Most callers are not customers yet: the cached customer lookup answers them without a query.
  if (!(await findCustomerByPhone(ctx, callerNumber))) return [];
  const rows = await upcomingOf(ctx, callerNumber);
  return rows.map((r) => view(r, ctx.timeZone));
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
  const upcoming = await readThrough<CachedUpcoming[]>(ctx.cache, {
    key: cacheKeys.appointmentsOfCaller(callerNumber),
    genKey: genKeys.phone(callerNumber),
    ...cacheTtl.appointmentsOfCaller,
    logger: ctx.logger,
    area: "next-appointment",
    metrics: ctx.metrics,
    defer: ctx.defer,
    load: async () => {
      if (!(await findCustomerByPhone(ctx, callerNumber))) return [];
      const rows = await upcomingOf(ctx, callerNumber);
      return rows.slice(0, 3).map((r) => ({ service: r.service, startsAt: r.startsAt.toISOString() }));
    },
  });
  const now = ctx.clock.now().getTime();
  const next = upcoming.find((a) => Date.parse(a.startsAt) > now);
  return next ? { ...next, time: speakDateTime(new Date(next.startsAt), ctx.timeZone) } : undefined;
}

/** Runs list_my_appointments' queries (customer by phone, upcoming appointments) for a number that matches nothing. */
export async function warmAppointmentQueries(ctx: WarmQueryContext): Promise<void> {
  await warmCustomerQueries(ctx);
  await upcomingOf(ctx, MATCHES_NOTHING);
}

/** The caller's appointments with their slot and service, narrowed by `conditions`. */
function appointmentsOfCaller(db: ServiceContext["db"], callerNumber: string, ...conditions: (SQL | undefined)[]) {
  return db
    .select({
      id: appointments.id,
      confirmationCode: appointments.confirmationCode,
      name: appointments.customerName,
      startsAt: slots.startsAt,
      serviceId: slots.serviceId,
      service: services.name,
      slotId: slots.id,
    })
    .from(appointments)
    .innerJoin(customers, eq(customers.id, appointments.customerId))
    .innerJoin(slots, eq(slots.id, appointments.slotId))
    .innerJoin(services, eq(services.id, slots.serviceId))
    .where(and(eq(customers.phone, callerNumber), ...conditions));
}

async function upcomingOf(ctx: Pick<ServiceContext, "db" | "clock">, callerNumber: string, confirmationCodeFilter?: string) {
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

const view = (r: { confirmationCode: string; name: string; startsAt: Date; service: string }, timeZone: string): AppointmentView => ({
  confirmationCode: r.confirmationCode,
  time: speakDateTime(r.startsAt, timeZone),
  service: r.service,
  name: r.name,
});

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
export function normalizeConfirmationCode(code: string): string {
  return code.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

/**
 * Which of the caller's appointments an action means: the one with `code`, or the only upcoming
 * one. Another caller's code is "not found" (it is not theirs to know about).
 */
async function resolveTarget(ctx: ServiceContext, callerNumber: string, code: string | undefined) {
  const rows = await upcomingOf(ctx, callerNumber, code ? normalizeConfirmationCode(code) : undefined);
  if (rows.length === 1) return ok(rows[0]!);
  if (rows.length === 0) {
    return code
      ? fail("not_found", "I couldn't find an upcoming appointment with that confirmation code for the number you're calling from.")
      : fail("not_found", "I don't see any upcoming appointments for the number you're calling from.");
  }
  return fail("invalid", "You have more than one upcoming appointment. Which one do you mean?", {
    appointments: rows.map((r) => view(r, ctx.timeZone)),
  });
}

/** Cancels one of the caller's upcoming appointments; the slot is offered again at once. */
export async function cancelAppointment(
  ctx: ServiceContext,
  input: { callerNumber: string; confirmationCode?: string | undefined },
): Promise<Result<AppointmentView & { cancelled: true; alreadyCancelled?: true }>> {
  const target = await resolveTarget(ctx, input.callerNumber, input.confirmationCode);
  if (!target.ok) {
    // The model re-asking after a barge-in (a new toolCallId) must hear "cancelled", not "not found".
    const done = input.confirmationCode ? await cancelledOf(ctx, input.callerNumber, input.confirmationCode) : undefined;
    return done ? ok({ ...view(done, ctx.timeZone), cancelled: true, alreadyCancelled: true }) : target;
  }
  const appt = target.value;
  await ctx.db
    .update(appointments)
    .set({ status: "cancelled", cancelledAt: ctx.clock.now(), updatedAt: sql`now()` })
    .where(and(eq(appointments.id, appt.id), eq(appointments.status, "booked")));
  ctx.afterCommit(() => invalidate(ctx.cache, changedByBooking(input.callerNumber), ctx.logger));
  return ok({ ...view(appt, ctx.timeZone), cancelled: true });
}

/**
 * Moves one of the caller's appointments to `newSlotId`, keeping its confirmation code. The
 * move is one UPDATE guarded by the same unique index as bookings, inside a savepoint so a lost
 * race leaves the transaction usable for offering alternatives.
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
  const previousTime = speakDateTime(appt.startsAt, ctx.timeZone);
  if (slot.id === appt.slotId) return ok({ ...view(appt, ctx.timeZone), previousTime });
  if (slot.startsAt.getTime() <= ctx.clock.now().getTime()) {
    return fail("invalid", "That time has already passed.", {
      alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
    });
  }
  try {
    await ctx.db.transaction(async (savepoint) => {
      await savepoint.update(appointments).set({ slotId: slot.id, updatedAt: sql`now()` }).where(eq(appointments.id, appt.id));
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const time = speakDateTime(slot.startsAt, ctx.timeZone);
    return fail("conflict", `Sorry, ${time} was just taken. Your appointment is still ${previousTime}.`, {
      alternatives: await nearestAlternatives(ctx, slot.serviceId, slot.startsAt, slot.id),
    });
  }
  ctx.afterCommit(() => invalidate(ctx.cache, changedByBooking(input.callerNumber), ctx.logger));
  return ok({ ...view({ ...appt, startsAt: slot.startsAt, service: slot.service }, ctx.timeZone), previousTime });
}

export interface ServiceInput {
  code: string;
  name: string;
  durationMinutes?: number;
}

/** REST: creates or updates a bookable service by code. */
export async function upsertService(ctx: ServiceContext, input: ServiceInput) {
  const [row] = await ctx.db
    .insert(services)
    .values({ code: input.code.toLowerCase(), name: input.name, durationMinutes: input.durationMinutes ?? 30 })
    .onConflictDoUpdate({
      target: services.code,
      set: { name: input.name, ...(input.durationMinutes ? { durationMinutes: input.durationMinutes } : {}) },
    })
    .returning({ id: services.id, code: services.code, name: services.name, durationMinutes: services.durationMinutes });
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.availability()], ctx.logger));
  return row!;
}

/** REST: adds slots for a service; a slot that already exists (same start) is left as is. */
export async function createSlots(
  ctx: ServiceContext,
  input: { service: string; slots: { startsAt: string; durationMinutes?: number | undefined }[] },
): Promise<Result<{ created: { slotId: string; startsAt: string }[]; existing: number }>> {
  const [service] = await ctx.db.select().from(services).where(eq(services.code, input.service.toLowerCase()));
  if (!service) return fail("not_found", `No service with code "${input.service}". Create it first with POST /api/services.`);
  const rows = input.slots.map((s) => {
    const startsAt = new Date(s.startsAt);
    return {
      serviceId: service.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + (s.durationMinutes ?? service.durationMinutes) * 60_000),
    };
  });
  const created = rows.length
    ? await ctx.db.insert(slots).values(rows).onConflictDoNothing().returning({ slotId: slots.id, startsAt: slots.startsAt })
    : [];
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.availability()], ctx.logger));
  return ok({
    created: created.map((c) => ({ slotId: c.slotId, startsAt: c.startsAt.toISOString() })),
    existing: rows.length - created.length,
  });
}
