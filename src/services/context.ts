/**
 * What a service verb needs, transport-free: a tool's `ctx` satisfies it as is, and the REST API
 * builds one per request with `inTransaction`. Services never see Hono or Vapi.
 */
import type { Cache } from "../cache/cache.ts";
import type { Database } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
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
  /** Background work the answer does not wait for (a tool's `ctx.defer`); absent: plain promises. */
  defer?: (work: Promise<unknown>, what?: string) => void;
  /** Work to do once the writes are committed (cache invalidation, deliveries). */
  afterCommit(fn: () => Promise<void> | void): void;
}

/** What a read-only lookup needs: no transaction, nothing to run after a commit (personalization reads through it). */
export type ReadContext = Pick<ServiceContext, "db" | "cache" | "clock" | "logger" | "timeZone" | "metrics" | "defer">;

/** What a tool's warm-up hook may run: queries only, never the cache. */
export type WarmQueryContext = Pick<ServiceContext, "db" | "clock">;

/**
 * A value no stored row can have, for warm-up queries: same SQL as the real lookup, no match.
 * Phone numbers and references are letters, digits and "+", so the tilde never matches.
 */
export const MATCHES_NOTHING = "~warm-up~";
/** The nil UUID: ids are random (v4), so it matches no row either. */
export const NIL_UUID = "00000000-0000-0000-0000-000000000000";

/** What kind of failure: the REST API answers each with its HTTP status; a tool hears `unavailable` as our failure, every other kind as an outcome. */
export type FailureKind = "not_found" | "conflict" | "invalid" | "unavailable";

/**
 * The one spoken failure, in every layer: services return it in a `Result`, tools return it
 * (`failure()`, `unavailable()`) or throw it (`SpokenError`). Each transport maps it once: the
 * REST API by `kind` to an HTTP status (src/http/errors.ts), the tool dispatcher to Vapi's `error`
 * (src/tools/dispatch/answers.ts).
 */
export interface SpokenFailure {
  kind: FailureKind;
  /** One short sentence, fit to be spoken. */
  message: string;
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: SpokenFailure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (kind: FailureKind, message: string, details?: Record<string, unknown>): Result<never> => ({
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
