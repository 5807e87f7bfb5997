/** Checks a call passes before its handler runs (beside the card guard): the per-caller limit on side effects. */
import { keys } from "../../cache/keys.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import type { DispatcherDeps } from "./context.ts";

/**
 * Limits how many side-effecting calls one caller starts per minute. Only the first delivery of a
 * tool call (its call id and toolCallId, the idempotency key) counts, so a redelivery still gets
 * its stored answer, while a toolCallId reused in another call counts as the new change it is.
 * The cache is an accelerator here too: if it is down the limit is not enforced rather than
 * refusing every write.
 */
export async function overRateLimit(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall): Promise<boolean> {
  const limit = deps.sideEffectLimitPerMinute;
  if (limit <= 0) return false;
  try {
    const fresh = await deps.cache.setIfAbsent(keys.sideEffectSeen(facts.callId ?? "", call.toolCallId), "1", 10 * 60_000);
    if (!fresh) return false;
    const who = facts.callerNumber ?? facts.callId ?? "anonymous";
    const minute = Math.floor(deps.clock.now().getTime() / 60_000);
    return (await deps.cache.incr(keys.sideEffectCount(who, minute), 61_000)) > limit;
  } catch {
    return false;
  }
}
