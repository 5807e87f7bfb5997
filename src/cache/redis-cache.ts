import { Redis, type RedisOptions } from "ioredis";
import type { Cache } from "./cache.ts";

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key, so several apps (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** A command that takes longer than this rejects, and the caller falls through to Postgres. */
  commandTimeoutMs?: number;
  /** Extra ioredis options (tests use them to tune reconnects). */
  redisOptions?: RedisOptions;
}

/**
 * Redis-backed cache. It fails fast instead of queueing while Redis is away (no offline queue,
 * one attempt per command, short command timeout) and reconnects in the background by itself.
 */
export function createRedisCache(options: RedisCacheOptions): Cache & { client: Redis } {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? "",
    commandTimeout: options.commandTimeoutMs ?? 50,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    lazyConnect: false,
    ...options.redisOptions,
  });
  // Connection errors surface on the commands that fail; the event only keeps ioredis from
  // printing its own unstructured warnings.
  client.on("error", () => {});
  const ttl = (ms: number) => Math.max(1, Math.round(ms));
  return {
    kind: "redis",
    client,
    get: (key) => client.get(key),
    getMany: async (keys) => (keys.length === 0 ? [] : client.mget(...keys)),
    async set(key, value, ttlMs) {
      await client.set(key, value, "PX", ttl(ttlMs));
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await client.set(key, value, "PX", ttl(ttlMs), "NX")) === "OK";
    },
    async del(...keys) {
      if (keys.length > 0) await client.del(...keys);
    },
    async incr(key, ttlMs) {
      const [[incrErr, value] = [], [expErr] = []] = (await client.multi().incr(key).pexpire(key, ttl(ttlMs)).exec()) ?? [];
      if (incrErr || expErr) throw incrErr ?? expErr;
      return Number(value);
    },
    async ping() {
      await client.ping();
    },
    async close() {
      client.disconnect();
    },
  };
}

/** Resolves once the client is connected, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 5_000): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off("ready", onReady);
    };
    client.on("ready", onReady);
  });
}
