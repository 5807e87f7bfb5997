/**
 * Read-through caching for hot lookups, with a TTL, stale-while-revalidate, and invalidation by
 * generation counters. The cache is only an accelerator: when it errors or times out, the
 * lookup goes to Postgres and the call still succeeds.
 *
 * Invalidation: every entry is read together with a generation key (one MGET) and stored with the
 * generation it was loaded under. A write bumps the generation (INCR) after it commits, which
 * turns every entry under that generation into a miss at once: an entry stored by a reader that
 * loaded before the write is never served, because it carries the old generation. One
 * generation key can cover many entries (all availability lists, everything about one caller).
 * The epoch (`genKeys.epoch`) is part of every entry's generation.
 *
 * A bump that fails is not forgotten (pending-bumps.ts): it is replayed until it lands, and reads
 * here skip its generation meanwhile (docs/adr/0012-invalidations-that-land.md).
 */
import type { Logger } from "../lib/logger.ts";
import type { CacheOutcome, Metrics } from "../telemetry/metrics.ts";
import { annotate, withSpan } from "../telemetry/tracing.ts";
import type { Cache } from "./cache.ts";
import { GENERATION_TTL_MS, genKeys } from "./keys.ts";
import { pendingBumpsOf } from "./pending-bumps.ts";

export { GENERATION_TTL_MS };

export interface ReadThroughOptions<T> {
  key: string;
  /** The generation the entry depends on; `invalidate` of it makes the entry a miss. */
  genKey: string;
  /** Served without a second thought for this long after loading. */
  ttlMs: number;
  /** Then served for this much longer while one reader refreshes it in the background. */
  staleMs: number;
  load(): Promise<T>;
  /** What is looked up, for metrics and traces (`shipment`, `availability`, ...). */
  area?: string;
  metrics?: Metrics;
  /** Hands the stale-while-revalidate refresh to the runtime (Workers' waitUntil) when given. */
  defer?: (work: Promise<unknown>, what?: string) => void;
  logger?: Logger;
  now?: () => number;
}

interface Entry<T> {
  /** The value. */
  v: T;
  /** Generation it was loaded under. */
  g: string;
  /** Fresh until (epoch ms). */
  f: number;
}

const REFRESH_LOCK_MS = 5_000;

/** Returns the cached value when current, else loads it from the source and caches it. */
export async function readThrough<T>(cache: Cache, options: ReadThroughOptions<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const area = options.area ?? "other";
  const outcome = (result: CacheOutcome) => {
    options.metrics?.cacheLookup(area, result);
    annotate({ "cache.result": result, "cache.area": area });
  };
  const load = () => withSpan("db.load", { "cache.area": area }, options.load);
  const pending = pendingBumpsOf(cache);
  if (pending.size > 0) {
    // A write here committed but its bump has not landed yet: what the cache holds under that
    // generation may be older than the database. Replay the bumps (in the background: Redis may
    // still be slow) and answer from the database until they have landed.
    const replay = pending.flush(cache);
    options.defer?.(replay, "cache invalidation replay");
    if (pending.has(options.genKey) || pending.has(genKeys.epoch())) {
      outcome("error");
      return load();
    }
  }
  let raw: (string | null)[];
  try {
    raw = await withSpan("cache.get", { "cache.area": area }, () => cache.getMany([options.key, options.genKey, genKeys.epoch()]));
  } catch (err) {
    options.logger?.warn("cache read failed; using the database", { key: options.key, err });
    outcome("error");
    return load();
  }
  const generation = `${raw[2] ?? "0"}.${raw[1] ?? "0"}`;
  const entry = parseEntry<T>(raw[0] ?? null);
  if (entry && entry.g === generation) {
    if (now() < entry.f) {
      outcome("hit");
      return entry.v;
    }
    // Stale but not invalidated: answer now, refresh once in the background (through `defer`
    // when given, so Workers keep it alive past the response).
    outcome("stale");
    const refresh = refreshInBackground(cache, options, generation, now);
    if (options.defer) options.defer(refresh, "cache refresh");
    return entry.v;
  }
  outcome("miss");
  const value = await load();
  // The caller has its answer; filling the cache need not delay it (through `defer`, so
  // Workers keep the write alive). The entry carries the generation read before loading, so a
  // write committed meanwhile still turns it into a miss.
  const fill = store(cache, options, generation, value, now);
  if (options.defer) options.defer(fill, "cache fill");
  else await fill;
  return value;
}

/**
 * Bumps generations after a committed write, with any earlier bumps still pending. A failure is
 * logged and kept for replay, never thrown: the write stands.
 */
export async function invalidate(cache: Cache, keys: readonly string[], logger?: Logger): Promise<void> {
  const failed = await pendingBumpsOf(cache).bump(cache, keys);
  for (const { genKey, err } of failed) logger?.error("cache invalidation failed", { genKey, err, replay: "until it lands" });
}

async function refreshInBackground<T>(cache: Cache, options: ReadThroughOptions<T>, generation: string, now: () => number) {
  try {
    if (!(await cache.setIfAbsent(`${options.key}:refresh`, "1", REFRESH_LOCK_MS))) return;
    const value = await options.load();
    await store(cache, options, generation, value, now);
  } catch (err) {
    options.logger?.warn("background cache refresh failed", { key: options.key, err });
  }
}

async function store<T>(cache: Cache, options: ReadThroughOptions<T>, generation: string, value: T, now: () => number) {
  const entry: Entry<T> = { v: value, g: generation, f: now() + options.ttlMs };
  try {
    await cache.set(options.key, JSON.stringify(entry), options.ttlMs + options.staleMs);
  } catch (err) {
    options.logger?.warn("cache write failed", { key: options.key, err });
  }
}

function parseEntry<T>(raw: string | null): Entry<T> | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as Entry<T>;
    return typeof parsed === "object" && parsed !== null && "v" in parsed && typeof parsed.g === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
