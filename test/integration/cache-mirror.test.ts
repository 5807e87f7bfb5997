// Protects the local cache mirror's coherence on a real (private) Redis: other instances' writes are seen once Redis announces them, own writes at once, and a lost connection empties it.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledService, startRedis } from "../../scripts/lab/lib/private-services.ts";
import { genKeys } from "../../src/cache/keys.ts";
import { createMirroredCache } from "../../src/cache/mirrored-cache.ts";
import { invalidate, readThrough } from "../../src/cache/read-through.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { createLogger, silentLogger } from "../../src/lib/logger.ts";

const PREFIX = "sb:";
let redis: ControlledService;
let raw: Redis;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await raw.connect();
});

afterAll(async () => {
  for (const close of closers) await close();
  raw.disconnect();
  await redis.destroy();
});

/** One server's cache: a mirrored Redis cache with hooks to await announcements and state changes. */
async function instance() {
  const redisCache = createRedisCache({ url: redis.url, keyPrefix: PREFIX, commandTimeoutMs: 1000 });
  const announced: string[][] = [];
  const waiters: { key: string; resolve: () => void }[] = [];
  const states: boolean[] = [];
  const stateWaiters: { on: boolean; resolve: () => void }[] = [];
  const cache = createMirroredCache(redisCache, {
    prefixes: ["v1:", "gen:"],
    keyPrefix: PREFIX,
    logger: silentLogger,
    onInvalidate(keys) {
      announced.push([...(keys ?? ["*"])]);
      for (const w of waiters.filter((w) => keys === null || keys.includes(w.key))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    },
    onStateChange(on) {
      states.push(on);
      for (const w of stateWaiters.filter((w) => w.on === on)) {
        stateWaiters.splice(stateWaiters.indexOf(w), 1);
        w.resolve();
      }
    },
  });
  const self = {
    cache,
    client: redisCache.client,
    announced,
    /** Resolves when Redis announces a change of `key` to this instance (register before the write). */
    announcement: (key: string) => new Promise<void>((resolve) => waiters.push({ key, resolve })),
    /** Resolves when the mirror turns on (or off); at once if it already is. */
    state: (on: boolean) =>
      cache.mirror().active === on ? Promise.resolve() : new Promise<void>((resolve) => stateWaiters.push({ on, resolve })),
  };
  closers.push(() => cache.close());
  await waitForRedis(redisCache.client);
  await self.state(true);
  return self;
}

let n = 0;
const key = (kind = "v1") => `${kind}:test-${n++}`;

describe("cache mirror", () => {
  it("turns tracking on without an error however its two connections' ready events interleave", async () => {
    const warnings: string[] = [];
    const logger = createLogger({ level: "warn", sink: (line) => warnings.push(line) });
    const caches = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const redisCache = createRedisCache({ url: redis.url, keyPrefix: PREFIX, commandTimeoutMs: 1000 });
        let on!: () => void;
        const active = new Promise<void>((resolve) => (on = resolve));
        const cache = createMirroredCache(redisCache, {
          prefixes: ["v1:", "gen:"],
          keyPrefix: PREFIX,
          logger,
          onStateChange: (state) => state && on(),
        });
        closers.push(() => cache.close());
        await active;
        return cache;
      }),
    );
    expect(caches.every((c) => c.mirror().active)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it("answers a repeated read locally, without Redis", async () => {
    const a = await instance();
    const k = key();
    // Its own write is announced too; a read in flight meanwhile is (conservatively) not kept.
    const announced = a.announcement(k);
    await a.cache.set(k, "one", 60_000);
    await announced;
    expect(await a.cache.get(k)).toBe("one");
    const before = a.cache.mirror();
    expect(await a.cache.get(k)).toBe("one");
    expect(await a.cache.getMany([k])).toEqual(["one"]);
    const after = a.cache.mirror();
    expect(after.hits - before.hits).toBe(2);
    expect(after.misses).toBe(before.misses);
  });

  it("sees another instance's write once Redis announces it, and its own writes at once", async () => {
    const [a, b] = [await instance(), await instance()];
    const k = key();
    await a.cache.set(k, "v1", 60_000);
    expect(await b.cache.get(k)).toBe("v1");
    const announced = b.announcement(k);
    await a.cache.set(k, "v2", 60_000);
    await announced;
    expect(await b.cache.get(k)).toBe("v2");
    // Own write: no waiting for the announcement.
    await b.cache.set(k, "v3", 60_000);
    expect(await b.cache.get(k)).toBe("v3");
  });

  it("sees writes from any Redis client, and missing keys being created", async () => {
    const b = await instance();
    const k = key("gen");
    expect(await b.cache.get(k)).toBeNull();
    expect(await b.cache.get(k)).toBeNull();
    const announced = b.announcement(k);
    await raw.incr(`${PREFIX}${k}`);
    await announced;
    expect(await b.cache.get(k)).toBe("1");
  });

  it("turns a cached lookup into a miss on every instance when another one invalidates it", async () => {
    const [a, b] = [await instance(), await instance()];
    const gen = genKeys.shipment(`T${n++}`);
    const entryKey = key();
    let source = "first";
    const lookup = (cache: typeof a.cache) =>
      readThrough(cache, { key: entryKey, genKey: gen, ttlMs: 60_000, staleMs: 60_000, load: async () => source });
    expect(await lookup(b.cache)).toBe("first");
    source = "second";
    expect(await lookup(b.cache)).toBe("first");
    const announced = b.announcement(gen);
    await invalidate(a.cache, [gen]);
    await announced;
    expect(await lookup(b.cache)).toBe("second");
  });

  it("keeps nothing beyond the Redis entry's own TTL", async () => {
    const a = await instance();
    const k = key();
    await a.cache.set(k, "short", 50);
    expect(await a.cache.get(k)).toBe("short");
    await expect.poll(() => a.cache.get(k), { interval: 10, timeout: 2_000 }).toBeNull();
  });

  it("does not mirror keys outside its prefixes", async () => {
    const a = await instance();
    const k = `call:${n++}`;
    await a.cache.set(k, "x", 60_000);
    await a.cache.get(k);
    await raw.set(`${PREFIX}${k}`, "y");
    // Not tracked: no announcement would come, so it must be read from Redis every time.
    expect(await a.cache.get(k)).toBe("y");
  });

  it("agrees with Redis after concurrent writes and reads from several instances", async () => {
    const [a, b, c] = [await instance(), await instance(), await instance()];
    const keys = Array.from({ length: 8 }, () => key());
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const k = keys[i % keys.length]!;
        if (i % 3 === 0) await a.cache.set(k, `a${i}`, 60_000);
        else if (i % 3 === 1) await c.cache.incr(k.replace("v1:", "gen:"), 60_000);
        await b.cache.getMany([k, k.replace("v1:", "gen:")]);
      }),
    );
    // Announcements arrive in order: once the sentinel's has, every earlier one has too.
    const sentinel = key();
    const announced = b.announcement(sentinel);
    await a.cache.set(sentinel, "done", 60_000);
    await announced;
    const all = keys.flatMap((k) => [k, k.replace("v1:", "gen:")]);
    expect(await b.cache.getMany(all)).toEqual(await raw.mget(all.map((k) => `${PREFIX}${k}`)));
  });

  it("empties and turns off when its announcement connection drops, and comes back by itself", async () => {
    const [a, b] = [await instance(), await instance()];
    const k = key();
    await a.cache.set(k, "before", 60_000);
    expect(await b.cache.get(k)).toBe("before");
    const off = b.state(false);
    await raw.call("CLIENT", "KILL", "TYPE", "pubsub");
    await off;
    expect(b.cache.mirror().entries).toBe(0);
    // While off, a write (whose announcement nobody receives) is still read correctly.
    await a.cache.set(k, "while-off", 60_000);
    expect(await b.cache.get(k)).toBe("while-off");
    await b.state(true);
    expect(await b.cache.get(k)).toBe("while-off");
    const announced = b.announcement(k);
    await a.cache.set(k, "after", 60_000);
    await announced;
    expect(await b.cache.get(k)).toBe("after");
  });

  it("re-enables tracking when its command connection reconnects", async () => {
    const [a, b] = [await instance(), await instance()];
    const k = key();
    const id = String(await b.client.call("CLIENT", "ID"));
    const off = b.state(false);
    await raw.call("CLIENT", "KILL", "ID", id);
    await off;
    await b.state(true);
    await a.cache.set(k, "x", 60_000);
    expect(await b.cache.get(k)).toBe("x");
    const announced = b.announcement(k);
    await a.cache.set(k, "y", 60_000);
    await announced;
    expect(await b.cache.get(k)).toBe("y");
  });

  it("empties on FLUSHALL", async () => {
    const a = await instance();
    const k = key();
    await a.cache.set(k, "v", 60_000);
    expect(await a.cache.get(k)).toBe("v");
    const announced = a.announcement("*");
    await raw.flushall();
    await announced;
    expect(await a.cache.get(k)).toBeNull();
  });
});
