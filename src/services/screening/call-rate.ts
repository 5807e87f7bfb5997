/**
 * How many calls a number has made in the current window, for the screening's rate limit. Counted
 * in the cache (Redis in production, shared by every instance), never in Postgres: the count is
 * worthless once the window has passed. Windows are fixed (the clock divided into `windowSeconds`
 * slots), so the limit is "at most N calls per slot", simple to reason about and to explain.
 */

import type { Cache } from "../../cache/cache.ts";
import { keys } from "../../cache/keys.ts";

export interface CallRateInput {
  callerNumber: string;
  /** Vapi's call id: a repeated assistant-request for the same call (Vapi's retry) is counted once. Without one, nothing is counted. */
  callId: string | undefined;
  windowSeconds: number;
  nowMs: number;
}

/**
 * The caller's calls in the current window, this one included. Without a call id (a preview such
 * as `GET /vapi/assistant`) the count is read, plus one for the call being previewed, and nothing
 * is written. Rejects when the cache fails: the caller decides (screening lets the call through).
 */
export async function countCallInWindow(cache: Cache, input: CallRateInput): Promise<number> {
  const windowMs = input.windowSeconds * 1000;
  const slot = Math.floor(input.nowMs / windowMs);
  const key = keys.callsFromNumber(input.callerNumber, slot);
  if (!input.callId) return Number((await cache.get(key)) ?? 0) + 1;
  const firstDelivery = await cache.setIfAbsent(keys.callCounted(input.callId), "1", windowMs);
  if (!firstDelivery) return Math.max(1, Number((await cache.get(key)) ?? 0));
  return cache.incr(key, windowMs);
}
