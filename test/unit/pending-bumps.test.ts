// Protects the replay of failed cache invalidations: a failed bump is kept until it lands, a replay never forgets a newer failure of the same key, reads skip a pending generation, and too many pending keys collapse into one bump of the epoch.
import { describe, expect, it } from "vitest";
import type { Cache } from "../../src/cache/cache.ts";
import { genKeys } from "../../src/cache/keys.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createPendingBumps, pendingBumpsOf } from "../../src/cache/pending-bumps.ts";
import { invalidate, readThrough } from "../../src/cache/read-through.ts";

/** A memory cache whose increments fail while `down` is set, or wait for `hold` when given. */
function flaky() {
  const inner = createMemoryCache();
  const state = { down: false, hold: undefined as Promise<void> | undefined, incrs: [] as string[] };
  const cache: Cache = {
    ...inner,
    async incr(key, ttlMs, options) {
      state.incrs.push(key);
      if (state.hold) await state.hold;
      if (state.down) throw new Error("Redis is away");
      return inner.incr(key, ttlMs, options);
    },
  };
  return { cache, state, inner };
}

describe("pending bumps", () => {
  it("keeps a failed bump and replays it with the next invalidation until it lands", async () => {
    const { cache, state } = flaky();
    state.down = true;
    await invalidate(cache, ["gen:a"]);
    expect(pendingBumpsOf(cache).has("gen:a")).toBe(true);
    await invalidate(cache, ["gen:b"]);
    expect(pendingBumpsOf(cache).size).toBe(2);
    state.down = false;
    await invalidate(cache, ["gen:c"]);
    expect(pendingBumpsOf(cache).size).toBe(0);
    expect(await cache.get("gen:a")).toBe("1");
    expect(await cache.get("gen:c")).toBe("1");
  });

  it("does not forget a failure that happened while a replay of the same key was in flight", async () => {
    const { cache, state } = flaky();
    const store = createPendingBumps();
    store.add(["gen:x"]);
    let release!: () => void;
    state.hold = new Promise<void>((r) => (release = r));
    const replay = store.flush(cache);
    // A newer write's bump of the same key fails while the replay's INCR is still out.
    store.add(["gen:x"]);
    release();
    await replay;
    expect(store.has("gen:x")).toBe(true);
    state.hold = undefined;
    await store.flush(cache);
    expect(store.size).toBe(0);
  });

  it("collapses too many pending keys into one bump of the epoch", () => {
    const store = createPendingBumps({ maxKeys: 3 });
    store.add(["gen:1", "gen:2", "gen:3", "gen:4"]);
    expect(store.size).toBe(1);
    expect(store.has(genKeys.epoch())).toBe(true);
  });

  it("makes reads skip the cache for a pending generation, and serve it again once the replay landed", async () => {
    const { cache, state, inner } = flaky();
    let value = "old";
    const opts = { key: "k", genKey: "gen:k", ttlMs: 60_000, staleMs: 60_000, load: async () => value };
    expect(await readThrough(cache, opts)).toBe("old");
    value = "new";
    state.down = true;
    await invalidate(cache, ["gen:k"]);
    // The cached entry still carries the current generation: without the pending bump it would be served.
    expect(await readThrough(cache, opts)).toBe("new");
    state.down = false;
    await pendingBumpsOf(cache).flush(cache);
    expect(await inner.get("gen:k")).toBe("1");
    value = "newer";
    expect(await readThrough(cache, opts)).toBe("newer");
    expect(await readThrough(cache, { ...opts, load: async () => "not loaded" })).toBe("newer");
  });
});
