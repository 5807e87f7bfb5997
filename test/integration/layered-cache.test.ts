// Protects the first-level cache's rules over the real shared cache: opt-in reads only, bounded staleness, own writes seen at once.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import type { Cache } from "../../src/cache/cache.ts";
import { createLayeredCache, createLocalMemory } from "../../src/cache/layered-cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createRequestRedisCache } from "../../src/cache/redis-cache.ts";

/** The shared cache as the Worker has it: Redis connected on first use when the run has Redis. */
function sharedCache(): Cache {
  const url = inject("redisUrl");
  if (!url) return createMemoryCache();
  const cache = createRequestRedisCache({
    url,
    keyPrefix: `${inject("redisPrefix")}layered-${randomUUID()}:`,
    commandTimeoutMs: 1000,
    connectTimeoutMs: 2000,
  });
  afterAll(() => cache.close());
  return cache;
}

function setup() {
  let now = 1_000_000;
  const shared = sharedCache();
  const memory = createLocalMemory({ maxTtlMs: 10_000, now: () => now });
  return { shared, cache: createLayeredCache(shared, memory), advance: (ms: number) => (now += ms) };
}

describe("layered cache", () => {
  it("answers opted-in reads locally within their TTL and plain reads from the shared cache", async () => {
    const { shared, cache, advance } = setup();
    await shared.set("k", "v1", 60_000);
    expect(await cache.get("k", { localTtlMs: 5_000 })).toBe("v1");
    await shared.set("k", "v2", 60_000);
    expect(await cache.get("k", { localTtlMs: 5_000 })).toBe("v1");
    expect(await cache.get("k")).toBe("v2");
    advance(5_001);
    expect(await cache.get("k", { localTtlMs: 5_000 })).toBe("v2");
  });

  it("never serves an entry older than the memory's own cap, whatever the read asks", async () => {
    const { shared, cache, advance } = setup();
    await shared.set("capped", "old", 60_000);
    expect(await cache.get("capped", { localTtlMs: 60_000 })).toBe("old");
    await shared.set("capped", "new", 60_000);
    advance(10_001);
    expect(await cache.get("capped", { localTtlMs: 60_000 })).toBe("new");
  });

  it("sees its own writes, deletions and counters at once", async () => {
    const { cache } = setup();
    expect(await cache.get("mine", { localTtlMs: 5_000 })).toBeNull();
    await cache.set("mine", "written", 60_000);
    expect(await cache.get("mine", { localTtlMs: 5_000 })).toBe("written");
    await cache.del("mine");
    expect(await cache.get("mine", { localTtlMs: 5_000 })).toBeNull();
    expect(await cache.getMany(["n"], { localTtlMs: 5_000 })).toEqual([null]);
    expect(await cache.incr("n", 60_000)).toBe(1);
    expect(await cache.getMany(["n"], { localTtlMs: 5_000 })).toEqual(["1"]);
  });

  it("answers getMany locally only when every key is held", async () => {
    const { shared, cache } = setup();
    await shared.set("a", "1", 60_000);
    expect(await cache.getMany(["a"], { localTtlMs: 5_000 })).toEqual(["1"]);
    await shared.set("a", "2", 60_000);
    await shared.set("b", "3", 60_000);
    expect(await cache.getMany(["a", "b"], { localTtlMs: 5_000 })).toEqual(["2", "3"]);
  });
});
