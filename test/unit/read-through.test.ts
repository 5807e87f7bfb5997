// Protects the read-through cache: hits, stale-while-revalidate, invalidation (including a reader racing a write), and falling through when the cache fails.
import { describe, expect, it } from "vitest";
import type { Cache } from "../../src/cache/cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { invalidate, readThrough } from "../../src/cache/read-through.ts";

function source(initial: string) {
  let value = initial;
  let loads = 0;
  return {
    set: (v: string) => {
      value = v;
    },
    get loads() {
      return loads;
    },
    load: async () => {
      loads++;
      return value;
    },
  };
}

describe("readThrough", () => {
  it("serves a fresh entry without loading again", async () => {
    const cache = createMemoryCache();
    const src = source("a");
    const opts = { key: "k", genKey: "g", ttlMs: 60_000, staleMs: 60_000, load: src.load };
    expect(await readThrough(cache, opts)).toBe("a");
    src.set("b");
    expect(await readThrough(cache, opts)).toBe("a");
    expect(src.loads).toBe(1);
  });

  it("serves a stale entry once and refreshes it in the background", async () => {
    const cache = createMemoryCache();
    const src = source("a");
    let now = 1_000;
    const opts = { key: "k", genKey: "g", ttlMs: 100, staleMs: 10_000, load: src.load, now: () => now };
    await readThrough(cache, opts);
    src.set("b");
    now += 500;
    expect(await readThrough(cache, opts)).toBe("a");
    await expect.poll(() => readThrough(cache, opts)).toBe("b");
  });

  it("hands the cache fill and the background refresh to defer when given, so a runtime can keep them alive", async () => {
    const cache = createMemoryCache();
    const src = source("a");
    let now = 1_000;
    const deferred: { work: Promise<unknown>; what?: string }[] = [];
    const opts = {
      key: "k",
      genKey: "g",
      ttlMs: 100,
      staleMs: 10_000,
      load: src.load,
      now: () => now,
      defer: (work: Promise<unknown>, what?: string) => void deferred.push({ work, what }),
    };
    expect(await readThrough(cache, opts)).toBe("a");
    expect(deferred.map((d) => d.what)).toEqual(["cache fill"]);
    await deferred[0]!.work;
    expect(src.loads).toBe(1);
    src.set("b");
    now += 500;
    expect(await readThrough(cache, opts)).toBe("a");
    expect(deferred.map((d) => d.what)).toEqual(["cache fill", "cache refresh"]);
    await deferred[1]!.work;
    expect(await readThrough(cache, opts)).toBe("b");
  });

  it("never serves an entry after its generation was invalidated", async () => {
    const cache = createMemoryCache();
    const src = source("a");
    const opts = { key: "k", genKey: "g", ttlMs: 60_000, staleMs: 60_000, load: src.load };
    await readThrough(cache, opts);
    src.set("b");
    await invalidate(cache, ["g"]);
    expect(await readThrough(cache, opts)).toBe("b");
  });

  it("does not let a reader that loaded before a write cache the old value", async () => {
    const cache = createMemoryCache();
    let release!: () => void;
    let started!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const loading = new Promise<void>((r) => (started = r));
    const load = async () => {
      started();
      await gate;
      return "old";
    };
    const slowOld = { key: "k", genKey: "g", ttlMs: 60_000, staleMs: 60_000, load };
    const racing = readThrough(cache, slowOld);
    await loading;
    await invalidate(cache, ["g"]); // the write commits while the old read is in flight
    release();
    expect(await racing).toBe("old");
    expect(await readThrough(cache, { ...slowOld, load: async () => "new" })).toBe("new");
  });

  it("falls through to the source when the cache fails, and invalidation failures do not throw", async () => {
    const broken: Cache = {
      ...createMemoryCache(),
      getMany: () => Promise.reject(new Error("redis down")),
      incr: () => Promise.reject(new Error("redis down")),
    };
    expect(await readThrough(broken, { key: "k", genKey: "g", ttlMs: 1, staleMs: 1, load: async () => "db" })).toBe("db");
    await expect(invalidate(broken, ["g"])).resolves.toBeUndefined();
  });
});
