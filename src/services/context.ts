/**
 * What a service verb needs, transport-free: a tool's `ctx` satisfies it as is, and the REST API
 * builds one per request with `inTransaction`. Services never see Hono or Vapi.
 */
import type { Cache } from "../cache/cache.ts";
import type { Clock } from "../clock.ts";
import type { Database } from "../db/client.ts";
import type { Logger } from "../logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";

export interface ServiceContext {
  /** A transaction for writes (a sideEffect tool's, or one opened by `inTransaction`), else the pool. */
  db: Database;
  cache: Cache;
  clock: Clock;
  logger: Logger;
  /** The business's IANA time zone. */
  timeZone: string;
  /** Counts cache hits and misses; absent where nobody reads the metrics. */
  metrics?: Metrics;
  /** Work to do once the writes are committed (cache invalidation, deliveries). */
  afterCommit(fn: () => Promise<void> | void): void;
}

/** A failure the caller (or an API client) can act on. `kind` maps to an HTTP status at the API edge. */
export interface ServiceError {
  kind: "not_found" | "conflict" | "invalid" | "unavailable";
  /** One short sentence, fit to be spoken. */
  message: string;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (kind: ServiceError["kind"], message: string, details?: Record<string, unknown>): Result<never> => ({
  ok: false,
  error: { kind, message, ...(details ? { details } : {}) },
});

/**
 * Runs `fn` in a transaction and its after-commit work once it committed: the REST API's
 * equivalent of what the dispatcher does for sideEffect tools.
 */
export async function inTransaction<T>(
  base: Omit<ServiceContext, "db" | "afterCommit"> & { db: Database },
  fn: (ctx: ServiceContext) => Promise<T>,
): Promise<T> {
  const hooks: (() => Promise<void> | void)[] = [];
  const value = await base.db.transaction((tx) => fn({ ...base, db: tx, afterCommit: (hook) => void hooks.push(hook) }));
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      base.logger.error("after-commit hook failed", { err });
    }
  }
  return value;
}

/** Postgres unique violation (SQLSTATE 23505), whether raised directly or wrapped by drizzle. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === "23505") return true;
  }
  return false;
}

/** "ending in 4567": how a phone number is spoken back without reading it out whole. */
export function phoneEnding(phone: string): string {
  return `ending in ${phone.slice(-4)}`;
}
