import { LRUCache } from "lru-cache";
import type { Cache } from "./cache.ts";

/** In-process stand-in for Redis: TTL per entry, bounded by entry count (least recently used go first). */
export function createMemoryCache(options: { maxEntries?: number; now?: () => number } = {}): Cache {
  const store = new LRUCache<string, string>({
    max: options.maxEntries ?? 50_000,
    ttlAutopurge: false,
    ...(options.now ? { perf: { now: options.now } } : {}),
  });
  const ttl = (ms: number) => Math.max(1, Math.round(ms));
  return {
    kind: "memory",
    async get(key) {
      return store.get(key) ?? null;
    },
    async getMany(keys) {
      return keys.map((k) => store.get(k) ?? null);
    },
    async set(key, value, ttlMs) {
      store.set(key, value, { ttl: ttl(ttlMs) });
    },
    async setIfAbsent(key, value, ttlMs) {
      if (store.has(key)) return false;
      store.set(key, value, { ttl: ttl(ttlMs) });
      return true;
    },
    async del(...keys) {
      for (const k of keys) store.delete(k);
    },
    async incr(key, ttlMs) {
      const next = Number.parseInt(store.get(key) ?? "0", 10) + 1;
      store.set(key, String(next), { ttl: ttl(ttlMs) });
      return next;
    },
    async ping() {},
    async close() {
      store.clear();
    },
  };
}
