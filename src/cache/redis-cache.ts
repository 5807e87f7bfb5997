import { Command, Redis, type RedisOptions } from "ioredis";
import type { Cache } from "./cache.ts";
import { genKeys } from "./keys.ts";
import { createPendingBumps, type PendingBumpStore } from "./pending-bumps.ts";

export interface RedisCacheOptions {
  url: string;
  /** Prepended to every key, so several apps (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** A command that takes longer than this rejects, and the caller falls through to Postgres. */
  commandTimeoutMs?: number;
  /**
   * How long a write that must land (a generation bump) may wait for Redis. Longer than the
   * command timeout: a read that gives up costs a database query, a bump that gives up leaves
   * stale entries current (it is then replayed, pending-bumps.ts).
   */
  invalidationTimeoutMs?: number;
  /** Extra ioredis options (tests use them to tune reconnects). */
  redisOptions?: RedisOptions;
}

/** The default of REDIS_INVALIDATION_TIMEOUT_MS. */
export const DEFAULT_INVALIDATION_TIMEOUT_MS = 500;

/**
 * Redis-backed cache. It fails fast instead of queueing while Redis is away (no offline queue,
 * one attempt per command, short command timeout) and reconnects in the background by itself.
 * Bumps that fail are replayed every half second until they land; when the connection comes
 * back after it was lost, the epoch is bumped, since Redis may have come back with older data.
 */
export function createRedisCache(options: RedisCacheOptions): Cache & { client: Redis; pendingBumps: PendingBumpStore } {
  const client = new Redis(options.url, {
    keyPrefix: options.keyPrefix ?? "",
    commandTimeout: options.commandTimeoutMs ?? 50,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
    lazyConnect: false,
    // Commands issued in the same tick by concurrent requests go out in one write: under load
    // this halves the syscalls of a cache hit for Node and for Redis (measured by the benchmark).
    enableAutoPipelining: true,
    ...options.redisOptions,
  });
  // Connection errors surface on the commands that fail; the event only keeps ioredis from
  // printing its own unstructured warnings.
  client.on("error", () => {});
  const pendingBumps = createPendingBumps({ retryEveryMs: 500 });
  let wasReady = false;
  let lost = false;
  client.on("close", () => {
    lost = wasReady;
  });
  client.on("ready", () => {
    if (lost) {
      pendingBumps.add([genKeys.epoch()]);
      void pendingBumps.flush();
    }
    wasReady = true;
    lost = false;
  });
  const cache = {
    kind: "redis" as const,
    client,
    pendingBumps,
    ...redisCommands(() => client, options.invalidationTimeoutMs ?? DEFAULT_INVALIDATION_TIMEOUT_MS),
    close: async () => {
      pendingBumps.stop();
      client.disconnect();
    },
  };
  pendingBumps.via = cache;
  return cache;
}

export interface RequestRedisCacheOptions extends RedisCacheOptions {
  /** How long the first command waits for the connection before it fails (and falls through). */
  connectTimeoutMs: number;
}

/**
 * A Redis cache for one request (Workers, where a connection cannot outlive its request): no
 * connection until the first command, then one attempt, bounded by `connectTimeoutMs`. A
 * failed connect fails every command of the request at once, so lookups fall through to
 * Postgres instead of each waiting again; only a write that must land (a generation bump) tries
 * a new connection, once per failed one: an invalidation is not lost to a cold connection.
 */
export function createRequestRedisCache(options: RequestRedisCacheOptions): Cache & { connected(): boolean } {
  const clients: Redis[] = [];
  let ready: Promise<Redis> | undefined;
  let failed = false;
  let closed = false;
  const connect = (mustLand = false): Promise<Redis> => {
    if (closed) return Promise.reject(new Error("The request's Redis client is closed."));
    const current = clients.at(-1);
    if (!ready || (mustLand && (failed || current?.status === "end"))) {
      failed = false;
      const c = new Redis(options.url, {
        keyPrefix: options.keyPrefix ?? "",
        commandTimeout: options.commandTimeoutMs ?? 50,
        connectTimeout: options.connectTimeoutMs,
        lazyConnect: true,
        // Every round trip before the first command is paid on every request: no ready check
        // (INFO), no client-info SETINFO, and RESP2 so no HELLO. Only AUTH remains, if any.
        enableReadyCheck: false,
        disableClientInfo: true,
        protocol: 2,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...options.redisOptions,
      });
      c.on("error", () => {});
      clients.push(c);
      ready = c.connect().then(
        () => c,
        (err: unknown) => {
          failed = true;
          throw err;
        },
      );
    }
    return ready;
  };
  return {
    kind: "redis",
    ...redisCommands(connect, options.invalidationTimeoutMs ?? DEFAULT_INVALIDATION_TIMEOUT_MS),
    connected: () => clients.length > 0,
    async close() {
      closed = true;
      for (const c of clients) c.disconnect();
    },
  };
}

const INCR_EXPIRE = `local value = redis.call("INCR", KEYS[1])
redis.call("PEXPIRE", KEYS[1], ARGV[1])
return value`;

type ScriptedRedis = Redis & { incrExpire(key: string, ttlMs: number): Promise<number> };

/** The client with this module's Lua scripts defined (once per client; sent as EVALSHA). */
function withScripts(client: Redis): ScriptedRedis {
  const scripted = client as ScriptedRedis;
  if (typeof scripted.incrExpire !== "function") client.defineCommand("incrExpire", { numberOfKeys: 1, lua: INCR_EXPIRE });
  return scripted;
}

/**
 * Sends one command with its own timeout instead of the client's command timeout. ioredis arms
 * the client's timeout only when the command has none yet, so the one armed here applies.
 */
function sendWithTimeout(client: Redis, name: string, args: (string | number)[], timeoutMs: number): Promise<unknown> {
  const command = new Command(name, args, { replyEncoding: "utf8", keyPrefix: client.options.keyPrefix ?? "" });
  command.setTimeout(timeoutMs);
  return client.sendCommand(command) as Promise<unknown>;
}

/**
 * The Cache commands over a client obtained (and possibly connected) by `use`; `use(true)` is
 * for a write that must land, which also gets `mustLandTimeoutMs`.
 */
function redisCommands(
  use: (mustLand?: boolean) => Redis | Promise<Redis>,
  mustLandTimeoutMs: number,
): Omit<Cache, "kind" | "close" | "pendingBumps"> {
  const ttl = (ms: number) => Math.max(1, Math.round(ms));
  return {
    get: async (key) => (await use()).get(key),
    getMany: async (keys) => (keys.length === 0 ? [] : (await use()).mget(...keys)),
    async set(key, value, ttlMs) {
      await (await use()).set(key, value, "PX", ttl(ttlMs));
    },
    async setIfAbsent(key, value, ttlMs) {
      return (await (await use()).set(key, value, "PX", ttl(ttlMs), "NX")) === "OK";
    },
    async del(...keys) {
      if (keys.length > 0) await (await use()).del(...keys);
    },
    async incr(key, ttlMs, options) {
      if (options?.mustLand) {
        // A plain EVAL (the script is a few dozen bytes) so that the command carries its own timeout.
        return Number(await sendWithTimeout(await use(true), "eval", [INCR_EXPIRE, 1, key, ttl(ttlMs)], mustLandTimeoutMs));
      }
      // One script call instead of MULTI/INCR/PEXPIRE/EXEC: atomic all the same, and a single
      // command that auto-pipelines with its neighbours (invalidations run several at once).
      return Number(await withScripts(await use()).incrExpire(key, ttl(ttlMs)));
    },
    async ping() {
      await (await use()).ping();
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
