/**
 * The blocklist: numbers whose calls are rejected at assistant-request. Screening reads it as one
 * snapshot through the cache (the Node mirror answers it from memory), so the common call, from a
 * number that is not blocked, costs no database round trip. Each change bumps the snapshot's
 * generation once it has committed, so a block or an unblock holds from the next call on.
 */

import { asc, eq, sql } from "drizzle-orm";
import { genKeys, keys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import type { Database } from "../../db/client.ts";
import { blockedNumbers } from "../../db/schema/index.ts";
import { fail, ok, type ReadContext, type Result, type ServiceContext } from "../context.ts";

/** The snapshot's cache keys (src/cache/keys.ts): a `v1:` entry with a `gen:` generation, both mirrored on Node. */
export const blocklistKeys = { snapshot: keys.blocklistSnapshot(), generation: genKeys.blocklist() } as const;

/** Long: a change invalidates the snapshot at once; the TTL only bounds a missed invalidation. */
const SNAPSHOT_TTL_MS = 10 * 60_000;

/** Number → when its block lapses (epoch ms), or null for "until removed". Active entries only. */
type Snapshot = Record<string, number | null>;

export interface BlockedNumber {
  number: string;
  reason: string | null;
  /** ISO time the block lapses, or null. */
  expiresAt: string | null;
  /** False once `expiresAt` has passed (the entry is kept until removed, but no longer blocks). */
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Whether calls from `number` are rejected now. Read through the cache; falls back to Postgres when the cache fails. */
export async function isNumberBlocked(ctx: ReadContext, number: string): Promise<boolean> {
  const snapshot = await readSnapshot(ctx);
  if (!Object.hasOwn(snapshot, number)) return false;
  const until = snapshot[number];
  // A block that lapsed while the snapshot was cached no longer counts.
  return until === null || until === undefined || until > ctx.clock.now().getTime();
}

/** A cached snapshot: the numbers, the generation it was loaded under, fresh until (epoch ms). */
interface SnapshotEntry {
  v: Snapshot;
  g: string;
  f: number;
}

/**
 * The last snapshot entry read, raw and parsed. A list of thousands of numbers takes milliseconds
 * to parse; reading the same entry again then costs a string comparison (none at all when the
 * cache hands back the same string, as the in-process cache and the Node mirror do). Per process
 * (per isolate on Workers), deliberately: it only saves parsing, and whether the entry is current
 * is still decided by its generation on every read.
 */
let lastRead: { raw: string; entry: SnapshotEntry | undefined } | undefined;

/**
 * The read-through pattern of src/cache/read-through.ts (an entry valid while its generation is
 * unchanged and it is fresh; a miss loads from Postgres and stores the entry under the generation
 * read before loading), without re-parsing an unchanged entry. No stale-while-revalidate: a
 * change bumps the generation, so the TTL only bounds a missed invalidation, and an expired
 * entry is reloaded on the next call.
 */
async function readSnapshot(ctx: ReadContext): Promise<Snapshot> {
  const now = ctx.clock.now().getTime();
  let raw: (string | null)[];
  try {
    raw = await ctx.cache.getMany([blocklistKeys.snapshot, blocklistKeys.generation]);
  } catch (err) {
    ctx.logger.warn("cache read failed; using the database", { key: blocklistKeys.snapshot, err });
    ctx.metrics?.cacheLookup(AREA, "error");
    return loadSnapshot(ctx.db, ctx.clock.now());
  }
  const generation = raw[1] ?? "0";
  const entry = raw[0] ? parseEntry(raw[0]) : undefined;
  if (entry && entry.g === generation && now < entry.f) {
    ctx.metrics?.cacheLookup(AREA, "hit");
    return entry.v;
  }
  ctx.metrics?.cacheLookup(AREA, "miss");
  const snapshot = await loadSnapshot(ctx.db, ctx.clock.now());
  // Waited for (a miss follows a change, rarely): the next call then finds the entry.
  const stored: SnapshotEntry = { v: snapshot, g: generation, f: now + SNAPSHOT_TTL_MS };
  await ctx.cache.set(blocklistKeys.snapshot, JSON.stringify(stored), SNAPSHOT_TTL_MS).catch((err: unknown) => {
    ctx.logger.warn("cache write failed", { key: blocklistKeys.snapshot, err });
  });
  return snapshot;
}

const AREA = "blocklist";

function parseEntry(raw: string): SnapshotEntry | undefined {
  if (lastRead?.raw === raw) return lastRead.entry;
  let entry: SnapshotEntry | undefined;
  try {
    const parsed = JSON.parse(raw) as SnapshotEntry;
    entry =
      typeof parsed === "object" && parsed !== null && typeof parsed.g === "string" && typeof parsed.v === "object" ? parsed : undefined;
  } catch {
    entry = undefined;
  }
  lastRead = { raw, entry };
  return entry;
}

async function loadSnapshot(db: Database, now: Date): Promise<Snapshot> {
  const rows = await db
    .select({ number: blockedNumbers.number, expiresAt: blockedNumbers.expiresAt })
    .from(blockedNumbers)
    .where(sql`${blockedNumbers.expiresAt} is null or ${blockedNumbers.expiresAt} > ${now.toISOString()}`);
  const snapshot: Snapshot = {};
  for (const row of rows) snapshot[row.number] = row.expiresAt ? row.expiresAt.getTime() : null;
  return snapshot;
}

/** Adds a number to the blocklist, or updates its reason and expiry (an upsert: retrying is harmless). */
export async function blockNumber(
  ctx: ServiceContext,
  input: { number: string; reason?: string | null | undefined; expiresAt?: string | null | undefined },
): Promise<Result<BlockedNumber & { created: boolean }>> {
  const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
  if (expiresAt && expiresAt.getTime() <= ctx.clock.now().getTime()) {
    return fail("invalid", "expiresAt must be in the future (omit it to block until removed).");
  }
  const [row] = await ctx.db
    .insert(blockedNumbers)
    .values({ number: input.number, reason: input.reason?.trim() || null, expiresAt })
    .onConflictDoUpdate({
      target: blockedNumbers.number,
      set: { reason: sql`excluded.reason`, expiresAt: sql`excluded.expires_at`, updatedAt: sql`now()` },
    })
    .returning({
      number: blockedNumbers.number,
      reason: blockedNumbers.reason,
      expiresAt: blockedNumbers.expiresAt,
      createdAt: blockedNumbers.createdAt,
      updatedAt: blockedNumbers.updatedAt,
      created: sql<boolean>`(xmax = 0)`,
    });
  ctx.afterCommit(() => invalidate(ctx.cache, [blocklistKeys.generation], ctx.logger));
  const { created, ...stored } = row!;
  return ok({ ...view(stored, ctx.clock.now()), created });
}

/** Removes a number from the blocklist; `removed` is false when it was not on it (retrying is harmless). */
export async function unblockNumber(ctx: ServiceContext, number: string): Promise<Result<{ number: string; removed: boolean }>> {
  const removed = await ctx.db.delete(blockedNumbers).where(eq(blockedNumbers.number, number)).returning({ number: blockedNumbers.number });
  if (removed.length > 0) ctx.afterCommit(() => invalidate(ctx.cache, [blocklistKeys.generation], ctx.logger));
  return ok({ number, removed: removed.length > 0 });
}

/** One entry, lapsed or not. */
export async function findBlockedNumber(ctx: Pick<ServiceContext, "db" | "clock">, number: string): Promise<Result<BlockedNumber>> {
  const [row] = await ctx.db.select().from(blockedNumbers).where(eq(blockedNumbers.number, number));
  return row ? ok(view(row, ctx.clock.now())) : fail("not_found", `${number} is not on the blocklist.`);
}

/** Every entry, lapsed ones included (marked `active: false`), by number. */
export async function listBlockedNumbers(ctx: Pick<ServiceContext, "db" | "clock">): Promise<BlockedNumber[]> {
  const rows = await ctx.db.select().from(blockedNumbers).orderBy(asc(blockedNumbers.number));
  const now = ctx.clock.now();
  return rows.map((r) => view(r, now));
}

function view(row: typeof blockedNumbers.$inferSelect, now: Date): BlockedNumber {
  return {
    number: row.number,
    reason: row.reason,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    active: row.expiresAt === null || row.expiresAt.getTime() > now.getTime(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
