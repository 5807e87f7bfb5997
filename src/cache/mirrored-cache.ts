/**
 * A local mirror of hot cache keys in front of Redis, kept coherent by Redis itself
 * (server-assisted client-side caching: `CLIENT TRACKING ... BCAST`). Redis announces every
 * change to a mirrored key prefix, by any client, on a second connection; the mirror drops what
 * changed. A cache hit then costs no round trip at all. See docs/adr/0008-coherent-local-mirror.md.
 *
 * What keeps it correct:
 * - Only keys under `prefixes` are mirrored, and only while tracking is confirmed on the current
 *   connections. Any disconnect (either connection) empties the mirror and turns it off until
 *   tracking is re-established; meanwhile every read goes to Redis.
 * - A read whose key was announced as changed while the read was in flight is not kept (the
 *   announcement and the reply travel on different connections, in either order).
 * - This instance's own writes drop the key once Redis confirmed them, so it reads its own writes.
 * - Nothing is kept longer than `maxAgeMs`, a bound on staleness should an announcement ever be
 *   missed without a disconnect.
 * Another instance's write is seen once its announcement arrives: the delivery time of one
 * message (well under a millisecond next to Redis), never a TTL.
 */
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import type { Logger } from "../lib/logger.ts";
import type { Cache, ReadOptions } from "./cache.ts";
import type { PendingBumpStore } from "./pending-bumps.ts";

export interface MirrorOptions {
  /** Key prefixes (before REDIS_KEY_PREFIX) whose values may be mirrored. */
  prefixes: readonly string[];
  /** The Redis client's key prefix (REDIS_KEY_PREFIX); announcements name full keys. */
  keyPrefix: string;
  maxEntries?: number;
  maxBytes?: number;
  /** The longest a mirrored value is served without Redis announcing anything. */
  maxAgeMs?: number;
  logger: Logger;
  /** Called with the keys of every announcement (`null`: everything changed). Tests await it. */
  onInvalidate?: (keys: readonly string[] | null) => void;
  /** Called when the mirror turns on (tracking confirmed) or off (a connection dropped). */
  onStateChange?: (active: boolean) => void;
}

export interface MirrorState {
  active: boolean;
  entries: number;
  /** Reads answered locally, and reads that went to Redis, since start. */
  hits: number;
  misses: number;
}

const CHANNEL = "__redis__:invalidate";

/** Wraps `redis` (a long-lived Redis cache) with a coherent local mirror. Node only. */
export function createMirroredCache(
  redis: Cache & { client: Redis; pendingBumps?: PendingBumpStore },
  options: MirrorOptions,
): Cache & { mirror: () => MirrorState } {
  const { logger, keyPrefix } = options;
  const main = redis.client;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const entries = new LRUCache<string, { value: string | null }>({
    max: options.maxEntries ?? 10_000,
    maxSize: options.maxBytes ?? 16 * 1024 * 1024,
    sizeCalculation: (entry, key) => 2 * (key.length + (entry.value?.length ?? 0)) + 32,
    ttl: maxAgeMs,
    ttlAutopurge: false,
  });
  const mirrorable = (key: string) => options.prefixes.some((p) => key.startsWith(p));

  // Announcements: a sequence number per announcement, the latest per key while reads are in
  // flight, and a barrier below which no in-flight read may be kept (after a reset).
  let seq = 0;
  let barrier = 0;
  let inFlight = 0;
  const announced = new Map<string, number>();

  // Tracking state: `session` changes on every switch, so a read started under one session is
  // never kept under another.
  let active = false;
  let session = 0;
  let closed = false;
  const setActive = (next: boolean) => {
    if (!next) entries.clear();
    if (active === next) return;
    active = next;
    session++;
    barrier = ++seq;
    announced.clear();
    options.onStateChange?.(next);
  };

  const sub = main.duplicate({
    keyPrefix: "",
    autoResubscribe: false,
    enableAutoPipelining: false,
    commandTimeout: 2_000,
    connectionName: "switchboard-cache-mirror",
    // RESP2: Redis then delivers announcements as Pub/Sub messages; to a RESP3 connection it
    // sends "invalidate" push frames, which ioredis does not surface.
    protocol: 2,
    lazyConnect: true,
  });
  sub.on("error", () => {});
  sub.on("messageBuffer", (channel: Buffer, message: Buffer | Buffer[] | null) => {
    if (channel.toString() !== CHANNEL) return;
    seq++;
    if (message === null || !Array.isArray(message)) {
      // FLUSHALL / FLUSHDB (or a shape we do not know): everything may have changed.
      entries.clear();
      barrier = ++seq;
      announced.clear();
      options.onInvalidate?.(null);
      return;
    }
    const keys = message.map((k) => k.toString()).map((k) => (k.startsWith(keyPrefix) ? k.slice(keyPrefix.length) : k));
    for (const key of keys) {
      entries.delete(key);
      if (inFlight > 0) announced.set(key, seq);
    }
    // Bounded: past this many, start over with a barrier (in-flight reads are then not kept).
    if (announced.size > 50_000) {
      barrier = ++seq;
      announced.clear();
    }
    options.onInvalidate?.(keys);
  });

  let subscriberId: number | undefined;
  const track = async () => {
    if (closed || subscriberId === undefined || main.status !== "ready") return;
    const prefixes = options.prefixes.flatMap((p) => ["PREFIX", `${keyPrefix}${p}`]);
    try {
      await main.call("CLIENT", "TRACKING", "OFF");
      await main.call("CLIENT", "TRACKING", "ON", "REDIRECT", String(subscriberId), "BCAST", ...prefixes);
      if (main.status === "ready" && sub.status === "ready") setActive(true);
    } catch (err) {
      logger.warn("cache mirror: tracking not enabled; reads go to Redis", { err });
    }
  };
  // Both connections' "ready" handlers ask for tracking, often at the same moment. Two OFF/ON
  // sequences interleaved on the main connection end in "ERR Prefix ... overlaps": so one runs at
  // a time, and a request that arrives while one runs makes it run once more afterwards.
  let tracking: Promise<void> | undefined;
  let again = false;
  const enable = (): Promise<void> => {
    if (tracking) {
      again = true;
      return tracking;
    }
    tracking = (async () => {
      do {
        again = false;
        await track();
      } while (again);
      tracking = undefined;
    })();
    return tracking;
  };
  sub.on("ready", () => {
    void (async () => {
      try {
        subscriberId = Number(await sub.call("CLIENT", "ID"));
        await sub.subscribe(CHANNEL);
        await enable();
      } catch (err) {
        logger.warn("cache mirror: subscription failed; reads go to Redis", { err });
        sub.disconnect(true);
      }
    })();
  });
  sub.on("close", () => {
    subscriberId = undefined;
    setActive(false);
  });
  main.on("ready", () => void enable());
  main.on("close", () => setActive(false));
  sub.connect().catch(() => {});

  let hits = 0;
  let misses = 0;
  const readMirrored = async (keys: readonly string[]): Promise<(string | null)[]> => {
    if (active) {
      const local = keys.map((k) => entries.get(k));
      if (local.every((e) => e !== undefined)) {
        hits++;
        return local.map((e) => e!.value);
      }
    }
    misses++;
    const sentAt = seq;
    const sentIn = session;
    inFlight++;
    try {
      // Each key's remaining TTL comes along (same round trip: auto-pipelined), so a mirrored
      // value never outlives its Redis entry. A write between the two commands is announced
      // while this read is in flight, and the read is then not kept.
      const [values, ...ttls] = await Promise.all([main.mget(...keys), ...(active ? keys.map((k) => main.pttl(k)) : [])]);
      if (active && sentIn === session && sentAt >= barrier) {
        for (const [i, key] of keys.entries()) {
          if ((announced.get(key) ?? 0) > sentAt) continue;
          // PTTL: -2 missing (kept as null: creating it is announced too), -1 no expiry.
          const left = Number(ttls[i]);
          if (left === 0 || Number.isNaN(left) || (left === -2 && values[i] != null)) continue;
          entries.set(key, { value: values[i] ?? null }, { ttl: left > 0 ? Math.min(left, maxAgeMs) : maxAgeMs });
        }
      }
      return values;
    } finally {
      if (--inFlight === 0) announced.clear();
    }
  };

  /** After this instance's own write is confirmed: the next read here goes to Redis. */
  const written = async <T>(keys: readonly string[], write: Promise<T>): Promise<T> => {
    try {
      return await write;
    } finally {
      for (const key of keys) entries.delete(key);
    }
  };

  const mirrored: Cache & { mirror: () => MirrorState } = {
    kind: "redis",
    ...(redis.pendingBumps ? { pendingBumps: redis.pendingBumps } : {}),
    async get(key: string, _options?: ReadOptions) {
      if (!mirrorable(key)) return redis.get(key);
      return (await readMirrored([key]))[0] ?? null;
    },
    async getMany(keys: readonly string[], _options?: ReadOptions) {
      if (keys.length === 0 || !keys.every(mirrorable)) return redis.getMany(keys);
      return readMirrored(keys);
    },
    set: (key, value, ttlMs) => written([key], redis.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => written([key], redis.setIfAbsent(key, value, ttlMs)),
    del: (...keys) => written(keys, redis.del(...keys)),
    incr: (key, ttlMs, writeOptions) => written([key], redis.incr(key, ttlMs, writeOptions)),
    ping: () => redis.ping(),
    async close() {
      closed = true;
      setActive(false);
      sub.disconnect();
      await redis.close();
    },
    mirror: () => ({ active, entries: entries.size, hits, misses }),
  };
  // Replayed bumps go through the mirror, which drops its own copy of a key once Redis took the write.
  if (redis.pendingBumps) redis.pendingBumps.via = mirrored;
  return mirrored;
}
