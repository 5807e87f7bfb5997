// Protects the cache under Redis faults: a stopped or paused Redis costs a few milliseconds, never an error, and is picked up again without a restart.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlledService, startRedis } from "../../scripts/lab/lib/private-services.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";

let redis: ControlledService;
let cache: ReturnType<typeof createRedisCache>;

beforeAll(async () => {
  redis = await startRedis();
  cache = createRedisCache({ url: redis.url, keyPrefix: "fault:", commandTimeoutMs: 50 });
  await waitForRedis(cache.client);
});

afterAll(async () => {
  await cache.close();
  await redis.destroy();
});

async function settle<T>(p: Promise<T>) {
  const started = performance.now();
  const outcome = await p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );
  return { ...outcome, ms: performance.now() - started };
}

describe("Redis faults", () => {
  it("rejects at once while Redis is stopped, then works again by itself when it returns", async () => {
    await cache.set("k", "v", 60_000);
    await redis.stop();
    const down = await settle(cache.get("k"));
    expect(down.ok).toBe(false);
    await redis.start();
    // ioredis reconnects in the background; the same client serves again.
    await expect.poll(() => cache.get("k").catch(() => "error"), { timeout: 10_000, interval: 50 }).toBe(null);
    await cache.set("k", "back", 60_000);
    expect(await cache.get("k")).toBe("back");
  });

  it("gives up after the command timeout while Redis is paused, without piling up", async () => {
    await cache.set("p", "v", 60_000);
    redis.pause();
    try {
      const results = await Promise.all(Array.from({ length: 50 }, () => settle(cache.get("p"))));
      expect(results.every((r) => !r.ok)).toBe(true);
      // Each gave up on its own timeout rather than waiting for Redis.
      expect(results.every((r) => !r.ok && /timed out/i.test(r.error.message))).toBe(true);
    } finally {
      redis.resume();
    }
    await expect.poll(() => cache.get("p").catch(() => "error"), { timeout: 10_000, interval: 50 }).toBe("v");
  });
});
