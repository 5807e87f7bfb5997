/**
 * A first-level memory in front of the shared cache, for Workers: an isolate opens a new Redis
 * connection for every request, so a read answered from the isolate's own memory saves the
 * connection set-up as well as the round trip. Only reads that opt in with `localTtlMs` are
 * answered locally; every other read and every write goes to the shared cache, so data that a
 * write must invalidate at once (open slots) keeps its guarantees. Writes made through this
 * instance update or evict its memory; writes by other instances are seen after `localTtlMs`.
 */
import { LRUCache } from "lru-cache";
import type { Cache, PendingBumps, ReadOptions } from "./cache.ts";
import { createPendingBumps } from "./pending-bumps.ts";

interface LocalEntry {
  value: string | null;
  /** When it was read from, or written to, the shared cache (epoch ms). */
  at: number;
}

export interface LocalMemory {
  entries: LRUCache<string, LocalEntry>;
  /** No read is answered locally from an entry older than this, whatever it asks for. */
  maxTtlMs: number;
  now: () => number;
  /**
   * Generation bumps that failed in one of the isolate's requests, replayed by its next requests
   * (pending-bumps.ts): a request's own client is gone once it ends. No timer: Workers run none
   * between requests.
   */
  pendingBumps: PendingBumps;
}

/** A bounded memory to keep for as long as the isolate lives, shared by its requests. */
export function createLocalMemory(
  options: { maxEntries?: number; maxBytes?: number; maxTtlMs?: number; now?: () => number } = {},
): LocalMemory {
  const maxTtlMs = options.maxTtlMs ?? 60_000;
  const now = options.now ?? Date.now;
  return {
    // Bounded by count and by size: an isolate has 128 MB for everything.
    entries: new LRUCache<string, LocalEntry>({
      max: options.maxEntries ?? 5_000,
      maxSize: options.maxBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (entry, key) => 2 * (key.length + (entry.value?.length ?? 0)) + 16,
    }),
    maxTtlMs,
    now,
    pendingBumps: createPendingBumps(),
  };
}

/** Wraps `shared` (a request's Redis cache) with the isolate's `memory`. */
export function createLayeredCache(shared: Cache, memory: LocalMemory): Cache {
  const { entries, now } = memory;
  const fresh = (key: string, options: ReadOptions | undefined): LocalEntry | undefined => {
    const ttl = Math.min(options?.localTtlMs ?? 0, memory.maxTtlMs);
    if (ttl <= 0) return undefined;
    const entry = entries.get(key);
    return entry && now() - entry.at <= ttl ? entry : undefined;
  };
  const remember = (key: string, value: string | null) => entries.set(key, { value, at: now() });
  return {
    kind: shared.kind,
    pendingBumps: memory.pendingBumps,
    async get(key, options) {
      const local = fresh(key, options);
      if (local) return local.value;
      const value = await shared.get(key);
      if (options?.localTtlMs) remember(key, value);
      return value;
    },
    async getMany(keys, options) {
      const local = keys.map((k) => fresh(k, options));
      if (keys.length > 0 && local.every((e) => e !== undefined)) return local.map((e) => e!.value);
      const values = await shared.getMany(keys);
      if (options?.localTtlMs) {
        for (const [i, k] of keys.entries()) remember(k, values[i] ?? null);
      }
      return values;
    },
    async set(key, value, ttlMs) {
      await shared.set(key, value, ttlMs);
      // Never outlives the shared entry it mirrors.
      entries.set(key, { value, at: now() }, { ttl: Math.max(1, Math.round(ttlMs)) });
    },
    async setIfAbsent(key, value, ttlMs) {
      entries.delete(key);
      return shared.setIfAbsent(key, value, ttlMs);
    },
    async del(...keys) {
      for (const k of keys) entries.delete(k);
      await shared.del(...keys);
    },
    async incr(key, ttlMs, options) {
      entries.delete(key);
      return shared.incr(key, ttlMs, options);
    },
    ping: () => shared.ping(),
    close: () => shared.close(),
  };
}
