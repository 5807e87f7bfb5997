/**
 * What the business remembers about a caller across calls (Postgres `caller_memory`), read
 * through the cache. The end-of-call report keeps the call count and last summary current;
 * tools add a name or small facts through `ctx.callerMemory.remember(...)`.
 */

import { eq, sql } from "drizzle-orm";
import type { Cache } from "../cache/cache.ts";
import { keys } from "../cache/keys.ts";
import type { Database } from "../db/client.ts";
import { callerMemory } from "../db/schema/index.ts";
import type { Logger } from "../lib/logger.ts";
import { redactDeep, redactPersonalData } from "../lib/redaction.ts";

export interface CallerMemory {
  callerNumber: string;
  name: string | null;
  facts: Record<string, unknown>;
  callCount: number;
  lastCallId: string | null;
  /** ISO timestamp of the last call's end. */
  lastCallAt: string | null;
  lastSummary: string | null;
}

export interface CallerMemoryDeps {
  db: Database;
  cache: Cache;
  logger: Logger;
  ttlMs: number;
}

/** Cache keys derived from a caller's number; invalidated together when the memory changes. */
export const callerKeys = { memory: keys.callerMemory, profile: keys.callerProfile };

const NONE = "none";

/** The caller's memory, or null for a first-time caller. The cache holds misses too. */
export async function getCallerMemory(deps: CallerMemoryDeps, callerNumber: string): Promise<CallerMemory | null> {
  const key = callerKeys.memory(callerNumber);
  const cached = await deps.cache.get(key).catch(() => null);
  if (cached !== null) return cached === NONE ? null : (JSON.parse(cached) as CallerMemory);
  const [row] = await deps.db.select().from(callerMemory).where(eq(callerMemory.callerNumber, callerNumber));
  const memory: CallerMemory | null = row
    ? {
        callerNumber: row.callerNumber,
        name: row.name,
        facts: row.facts,
        callCount: row.callCount,
        lastCallId: row.lastCallId,
        lastCallAt: row.lastCallAt?.toISOString() ?? null,
        lastSummary: row.lastSummary,
      }
    : null;
  await deps.cache.set(key, memory ? JSON.stringify(memory) : NONE, deps.ttlMs).catch(() => {});
  return memory;
}

/**
 * Remembers a name or facts about the caller (facts are merged key by key). Redacted like call
 * records: memory is not a place for card or account numbers.
 */
export async function rememberAboutCaller(
  deps: CallerMemoryDeps,
  callerNumber: string,
  update: { name?: string; facts?: Record<string, unknown> },
): Promise<void> {
  const name = update.name === undefined ? undefined : redactPersonalData(update.name, { callerNumber });
  const facts = redactDeep(update.facts ?? {}, { callerNumber });
  await deps.db
    .insert(callerMemory)
    .values({ callerNumber, name: name ?? null, facts })
    .onConflictDoUpdate({
      target: callerMemory.callerNumber,
      set: {
        name: name === undefined ? sql`${callerMemory.name}` : sql`excluded.name`,
        facts: sql`${callerMemory.facts} || excluded.facts`,
        updatedAt: sql`now()`,
      },
    });
  await forgetCachedCaller(deps.cache, callerNumber, deps.logger);
}

/** Drops the cached memory and profile of a caller after their record changed. */
export async function forgetCachedCaller(cache: Cache, callerNumber: string, logger?: Logger): Promise<void> {
  try {
    await cache.del(callerKeys.memory(callerNumber), callerKeys.profile(callerNumber));
  } catch (err) {
    // The TTL bounds how long a stale profile can be served.
    logger?.warn("could not invalidate cached caller", { err });
  }
}
