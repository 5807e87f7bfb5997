/**
 * The blocklist: numbers whose calls are rejected at assistant-request. Screening asks about the
 * caller's number alone, read through the cache (one indexed lookup on a miss), so its cost does
 * not grow with the list: a list of hundreds of thousands of numbers costs each call what a list
 * of ten does. Each change bumps that number's generation once it has committed, so a block or an
 * unblock holds from that caller's next call on, and no other caller's entry is invalidated.
 */

import { asc, eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { namespaces } from "../../cache/namespaces.ts";
import { invalidate } from "../../cache/read-through.ts";
import { blockedNumbers } from "../../db/schema/index.ts";
import { fail, ok, type ReadContext, type Result, type ServiceContext } from "../context.ts";

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

/** How a number stands, as cached: not listed, blocked until removed, or blocked until then (epoch ms). */
type Standing = { blocked: false } | { blocked: true; until: number | null };

/** Whether calls from `number` are rejected now. Read through the cache; falls back to Postgres when the cache fails. */
export async function isNumberBlocked(ctx: ReadContext, number: string): Promise<boolean> {
  const standing = await namespaces.blockedNumber.read(ctx, number, async (): Promise<Standing> => {
    const [row] = await ctx.db
      .select({ expiresAt: blockedNumbers.expiresAt })
      .from(blockedNumbers)
      .where(eq(blockedNumbers.number, number));
    return row ? { blocked: true, until: row.expiresAt ? row.expiresAt.getTime() : null } : { blocked: false };
  });
  // A block that lapsed while its standing was cached no longer counts.
  return standing.blocked && (standing.until === null || standing.until > ctx.clock.now().getTime());
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
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.blockedNumber(input.number)], ctx.logger));
  const { created, ...stored } = row!;
  return ok({ ...view(stored, ctx.clock.now()), created });
}

/** Removes a number from the blocklist; `removed` is false when it was not on it (retrying is harmless). */
export async function unblockNumber(ctx: ServiceContext, number: string): Promise<Result<{ number: string; removed: boolean }>> {
  const removed = await ctx.db.delete(blockedNumbers).where(eq(blockedNumbers.number, number)).returning({ number: blockedNumbers.number });
  if (removed.length > 0) ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.blockedNumber(number)], ctx.logger));
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
