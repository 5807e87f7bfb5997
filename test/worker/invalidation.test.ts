// Protects cache invalidation inside workerd: a generation bump that must land is sent as its own command with its own timeout on a per-request client, and lands in the shared Redis.
import { describe, expect, it } from "vitest";
import { createRequestRedisCache } from "../../src/cache/redis-cache.ts";
import { testEnv } from "./support.ts";

describe("generation bumps on a per-request client", () => {
  it("land, under the key prefix, and are read back by another request's client", async () => {
    const key = `gen:worker-${crypto.randomUUID()}`;
    const options = { url: testEnv.REDIS_URL!, keyPrefix: testEnv.REDIS_KEY_PREFIX!, commandTimeoutMs: 50, connectTimeoutMs: 2000 };
    const writer = createRequestRedisCache({ ...options, invalidationTimeoutMs: 2000 });
    const reader = createRequestRedisCache({ ...options, commandTimeoutMs: 2000 });
    try {
      expect(await writer.incr(key, 60_000, { mustLand: true })).toBe(1);
      expect(await writer.incr(key, 60_000, { mustLand: true })).toBe(2);
      expect(await reader.get(key)).toBe("2");
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
