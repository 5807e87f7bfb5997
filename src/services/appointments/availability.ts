/** Open slots, read through the cache (invalidated by every booking, cancellation and new slot). */

import { and, asc, eq, gt, gte, ilike, lt, ne, or, type SQL, sql } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import { preparedFor } from "../../db/prepared.ts";
import { appointments, services, slots } from "../../db/schema/index.ts";
import { localDate, localDayBounds, resolveDay, speakDay, speakDayTime, zonedTime } from "../../lib/speak.ts";
import { fail, MATCHES_NOTHING, NIL_UUID, ok, type Result, type ServiceContext, type WarmQueryContext } from "../context.ts";

export const PARTS_OF_DAY = ["morning", "afternoon", "evening"] as const;
export type PartOfDay = (typeof PARTS_OF_DAY)[number];
const PART_HOURS: Record<PartOfDay, [number, number]> = { morning: [0, 12], afternoon: [12, 17], evening: [17, 24] };

/** An open slot as the caller hears it; `slotId` is what book_appointment takes. */
export interface OpenSlot {
  slotId: string;
  time: string;
  service: string;
}

export interface CachedSlot {
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
    if (!day) return fail("invalid", `I didn't understand the day "${input.day}". Say a weekday, today, tomorrow, or a date like March 3.`);
    // No slot starts that late (END_OF_TIME), and the day after 9999-12-31 is no date for Postgres.
    if (day > LAST_DAY) return ok({ slots: [], day: speakDay(zonedTime(day, 0, 0, ctx.timeZone), now, ctx.timeZone), nextAvailable: [] });
    if (day < localDate(now, ctx.timeZone)) {
      const spoken = speakDay(zonedTime(day, 12, 0, ctx.timeZone), now, ctx.timeZone);
      return fail("invalid", `${capitalize(spoken)} has already passed. Ask which day from today on they would like.`);
    }
  }
  const open = await openSlots(ctx, service, day, input.partOfDay);
  const upcoming = open.filter((s) => new Date(s.startsAt).getTime() > now.getTime()).slice(0, limit);
  const result: Availability = { slots: upcoming.map((s) => speakSlot(s, ctx.clock.now(), ctx.timeZone)) };
  if (day) {
    result.day = speakDay(localDayBounds(day, ctx.timeZone).start, now, ctx.timeZone);
    if (upcoming.length === 0) {
      const later = await openSlots(ctx, service, undefined, input.partOfDay, localDayBounds(day, ctx.timeZone).end);
      result.nextAvailable = later
        .filter((s) => new Date(s.startsAt).getTime() > now.getTime())
        .slice(0, 3)
        .map((s) => speakSlot(s, ctx.clock.now(), ctx.timeZone));
    }
  }
  return ok(result);
}

async function findService(ctx: Pick<ServiceContext, "db">, name: string) {
  const wanted = name.trim();
  const [row] = await serviceByName(ctx.db).execute({ code: wanted.toLowerCase(), name: wanted, pattern: `%${escapeLike(wanted)}%` });
  return row;
}

/**
 * A service by code, exact name (any case) or part of its name (code first); prepared once per
 * database handle. What the caller said is text, never a pattern: the exact name is compared with
 * `lower() =`, and the part is escaped (`escapeLike`) before it goes between the `%`s.
 */
const serviceByName = preparedFor((db) =>
  db
    .select({ id: services.id, code: services.code })
    .from(services)
    .where(
      or(
        eq(services.code, sql.placeholder("code")),
        sql`lower(${services.name}) = lower(${sql.placeholder("name")})`,
        ilike(services.name, sql.placeholder("pattern")),
      ),
    )
    .orderBy(sql`${services.code} = ${sql.placeholder("code")} desc`, asc(services.name))
    .limit(1)
    .prepare("service_by_name"),
);

/** Makes text match itself in a LIKE pattern (backslash is Postgres' default escape character). */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Open slots, read through the cache. The list is cached as loaded; slots that start before
 * "now" are dropped at read time, so an entry never offers the past.
 */
export function openSlots(
  ctx: ServiceContext,
  service: { id: string; code: string } | undefined,
  day: string | undefined,
  part: PartOfDay | undefined,
  from?: Date,
): Promise<CachedSlot[]> {
  const query = `${service?.code ?? "*"}:${day ?? "next"}:${part ?? "all"}:${from?.toISOString() ?? ""}`;
  return namespaces.availability.read(ctx, query, () => queryOpenSlots(ctx, service?.id, day, part, from));
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
/** The last day a slot can start on (the REST API refuses later ones). */
const LAST_DAY = "9998-12-31";

/**
 * Runs check_availability's queries (service by name, the next open slots with and without a
 * service) with values that match nothing, bypassing the cache.
 */
export async function warmAvailabilityQueries(ctx: WarmQueryContext & Pick<ServiceContext, "timeZone">): Promise<void> {
  await findService(ctx, MATCHES_NOTHING);
  await queryOpenSlots(ctx, undefined, undefined, undefined, END_OF_TIME);
  await queryOpenSlots(ctx, NIL_UUID, undefined, undefined, END_OF_TIME);
}

/** An open slot as the caller hears it, relative to `now` ("tomorrow at 9 AM"). */
export function speakSlot(s: CachedSlot, now: Date, timeZone: string): OpenSlot {
  return { slotId: s.slotId, time: speakDayTime(new Date(s.startsAt), now, timeZone), service: s.service };
}

/**
 * The open slots of the same service nearest in time to `around` (uncached: read inside the
 * booking transaction, so it never offers the slot that was just lost).
 */
export async function nearestAlternatives(
  ctx: ServiceContext,
  serviceId: string,
  around: Date,
  excludeSlotId: string,
): Promise<OpenSlot[]> {
  const rows = await unbookedSlots(ctx.db, eq(slots.serviceId, serviceId), ne(slots.id, excludeSlotId), gt(slots.startsAt, ctx.clock.now()))
    .orderBy(sql`abs(extract(epoch from (${slots.startsAt} - ${around.toISOString()}::timestamptz)))`, asc(slots.startsAt))
    .limit(3);
  return rows.map((r) =>
    speakSlot({ slotId: r.slotId, startsAt: r.startsAt.toISOString(), service: r.service }, ctx.clock.now(), ctx.timeZone),
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
