// Protects the Cache contract: the Redis and in-process implementations pass the same suite.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Cache } from "../../src/cache/cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createMirroredCache } from "../../src/cache/mirrored-cache.ts";
import { createRedisCache, createRequestRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { silentLogger } from "../../src/lib/logger.ts";
import { testCache } from "../support/harness.ts";

const implementations: [string, () => Promise<Cache>][] = [["memory", async () => createMemoryCache({ maxEntries: 1000 })]];
const redisUrl = inject("redisUrl");
if (redisUrl) {
  implementations.push(["redis", () => testCache()]);
  // The Workers flavour: connects on the first command instead of at creation.
  const prefix = `${inject("redisPrefix")}request-${randomUUID()}:`;
  implementations.push([
    "redis per request",
    async () => {
      const cache = createRequestRedisCache({ url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 1000, connectTimeoutMs: 2000 });
      afterAll(() => cache.close());
      return cache;
    },
  ]);
}

if (redisUrl) {
  // The Node server's flavour: a local mirror kept coherent by Redis, here mirroring every key.
  const prefix = `${inject("redisPrefix")}mirror-${randomUUID()}:`;
  implementations.push([
    "redis mirrored",
    async () => {
      const redis = createRedisCache({ url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 1000 });
      let activated!: () => void;
      const active = new Promise<void>((r) => (activated = r));
      const cache = createMirroredCache(redis, {
        prefixes: [""],
        keyPrefix: prefix,
        logger: silentLogger,
        onStateChange: (on) => on && activated(),
      });
      afterAll(() => cache.close());
      await waitForRedis(redis.client);
      await active;
      return cache;
    },
  ]);
}

describe.each(implementations)("%s cache", (label, make) => {
  const kind = label.split(" ")[0];
  let cache: Cache;
  // testCache() resolves once the long-lived client is connected (it fails fast until then).
  beforeAll(async () => {
    cache = await make();
  });
  const key = () => `k-${randomUUID()}`;

  it("reports its kind", () => {
    expect(cache.kind).toBe(kind);
  });

  it("returns null for a missing key and the value for a set one", async () => {
    const k = key();
    expect(await cache.get(k)).toBeNull();
    await cache.set(k, "v1", 10_000);
    expect(await cache.get(k)).toBe("v1");
  });

  it("reads several keys at once, in order", async () => {
    const [a, b, c] = [key(), key(), key()];
    await cache.set(a, "A", 10_000);
    await cache.set(c, "C", 10_000);
    expect(await cache.getMany([a, b, c])).toEqual(["A", null, "C"]);
    expect(await cache.getMany([])).toEqual([]);
  });

  it("expires entries after their TTL", async () => {
    const k = key();
    await cache.set(k, "short", 30);
    await expect.poll(() => cache.get(k), { interval: 10, timeout: 2000 }).toBeNull();
  });

  it("deletes keys", async () => {
    const [a, b] = [key(), key()];
    await cache.set(a, "1", 10_000);
    await cache.set(b, "2", 10_000);
    await cache.del(a, b);
    expect(await cache.getMany([a, b])).toEqual([null, null]);
    await cache.del();
  });

  it("sets if absent exactly once under concurrency", async () => {
    const k = key();
    const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.setIfAbsent(k, String(i), 10_000)));
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await cache.get(k)).toBe(String(wins.indexOf(true)));
  });

  it("increments counters atomically", async () => {
    const k = key();
    const values = await Promise.all(Array.from({ length: 25 }, () => cache.incr(k, 10_000)));
    expect(values.sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("increments a counter that must land the same way, with its TTL, under the key prefix", async () => {
    const k = key();
    await cache.incr(k, 10_000);
    expect(await cache.incr(k, 10_000, { mustLand: true })).toBe(2);
    expect(await cache.get(k)).toBe("2");
  });

  it("answers ping", async () => {
    await expect(cache.ping()).resolves.toBeUndefined();
  });
});

describe("memory cache bound", () => {
  it("evicts the least recently used entries past its size", async () => {
    const cache = createMemoryCache({ maxEntries: 100 });
    for (let i = 0; i < 150; i++) await cache.set(`k${i}`, String(i), 60_000);
    expect(await cache.get("k0")).toBeNull();
    expect(await cache.get("k149")).toBe("149");
  });
});
