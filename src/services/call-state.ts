/**
 * Per-call state: small values a call's tools share while the call lasts (the verified account,
 * the number of failed tool calls, why a transfer was asked for). It lives in the cache under
 * the call id with a TTL, never in Postgres: it is worthless once the call is over. If the cache
 * is unreachable reads come back empty and writes are dropped, so a tool must treat a missing
 * value as "not known yet", never as an answer.
 */

import type { Cache } from "../cache/cache.ts";
import { keys } from "../cache/keys.ts";
import type { Logger } from "../lib/logger.ts";

export interface CallState {
  /** The value stored under `key` for this call, or undefined. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serializable value for the rest of the call. */
  set(key: string, value: unknown): Promise<void>;
  /** Adds one to a counter and returns the new value (0 when the cache is unreachable). */
  increment(key: string): Promise<number>;
}

/** Names of state keys the runtime itself uses. */
export const CALL_STATE_KEYS = {
  /** How many tool calls failed on our side in this call (maintained by the dispatcher). */
  toolFailures: "tool-failures",
  /** Why a human handoff is wanted: `{ department?, reason? }`, read by the transfer rules. */
  handoff: "handoff",
} as const;

export function callStateKey(callId: string, key: string): string {
  return keys.callState(callId, key);
}

/** The state of one call. Without a call id (a test request, a malformed message) nothing is kept. */
export function createCallState(cache: Cache, callId: string | undefined, ttlMs: number, logger?: Logger): CallState {
  if (!callId) return { get: async () => undefined, set: async () => {}, increment: async () => 0 };
  const warn = (op: string, err: unknown) => logger?.warn("call state unavailable", { op, callId, err });
  return {
    async get<T>(key: string) {
      try {
        const raw = await cache.get(callStateKey(callId, key));
        return raw === null ? undefined : (JSON.parse(raw) as T);
      } catch (err) {
        warn("get", err);
        return undefined;
      }
    },
    async set(key, value) {
      try {
        await cache.set(callStateKey(callId, key), JSON.stringify(value), ttlMs);
      } catch (err) {
        warn("set", err);
      }
    },
    async increment(key) {
      try {
        return await cache.incr(callStateKey(callId, key), ttlMs);
      } catch (err) {
        warn("increment", err);
        return 0;
      }
    },
  };
}
