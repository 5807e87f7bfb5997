/**
 * Runs the tool calls of one `tool-calls` message: validation, budget, idempotency and error
 * handling live here, once, so a tool file holds only business logic. Every call gets exactly
 * one answer, in order, with its exact toolCallId; nothing here throws.
 */
import { CALL_STATE_KEYS, type CallState, callStateKey, createCallState } from "../../services/call-state.ts";
import type { ToolErrorKind } from "../../telemetry/metrics.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import { answerError, MAX_SPOKEN_CHARS, oneLine, type ToolCallAnswer } from "./answers.ts";
import type { DispatcherDeps } from "./context.ts";
import { runOne } from "./run-call.ts";

/** Answers every call of a message concurrently; the answers come back in the calls' order. */
export function dispatchToolCalls(deps: DispatcherDeps, facts: CallFacts, calls: readonly NormalizedToolCall[]): Promise<ToolCallAnswer[]> {
  const callState = createCallState(deps.cache, facts.callId, deps.callStateTtlMs, deps.logger);
  return Promise.all(
    calls.map(async (call, index) => {
      const { answer, errorKind } =
        index < deps.maxCallsPerMessage
          ? await runOne(deps, facts, call, callState)
          : answerError(
              call,
              `Too many tool calls in one message; at most ${deps.maxCallsPerMessage} are run. Please ask again.`,
              "rejected",
              undefined,
              "modelMistake",
            );
      if (errorKind && errorKind !== "timeout" && errorKind !== "internal" && errorKind !== "failure") {
        // Tool-level outcomes are counted in runOne; these never reached a tool.
        deps.metrics.toolCall(deps.registry.get(call.name) ? call.name : "unknown", 0, "error", errorKind);
      }
      return errorKind && COUNTS_TOWARDS_HANDOFF.has(errorKind) && "error" in answer
        ? withHandoffHint(deps, facts, call, callState, answer)
        : answer;
    }),
  );
}

/**
 * Answers the model can act on (not found, slot taken) and refusals are outcomes, not failures;
 * only what went wrong on our side or between the model and the tool counts towards a handoff.
 */
const COUNTS_TOWARDS_HANDOFF = new Set<ToolErrorKind>(["internal", "timeout", "validation", "unknown_tool"]);

export const HANDOFF_HINT =
  "Several lookups have failed during this call: apologize briefly and offer to transfer the caller to a person (use transferCall if they agree).";

/** The same advice where no transfer destination is configured: offering a person would be untrue. */
export const NO_TRANSFER_HINT =
  "Several lookups have failed during this call: apologize briefly, offer to help another way, and suggest calling back later; transfers to a person are not available on this line.";

/**
 * Counts a failed tool call in the per-call state (once per toolCallId, however often Vapi
 * re-delivers it) and, from the configured threshold on, tells the model to offer a transfer.
 * The advice goes in a role-system `request-failed` message: it takes precedence over the tool's
 * fixed `failed` words, so the model gets to make the offer instead of a fixed apology ending the turn.
 */
async function withHandoffHint(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  callState: CallState,
  answer: ToolCallAnswer & { error: string },
): Promise<ToolCallAnswer> {
  if (!facts.callId) return answer;
  try {
    const first = await deps.cache.setIfAbsent(callStateKey(facts.callId, `failed:${call.toolCallId}`), "1", deps.callStateTtlMs);
    const failures = first
      ? await callState.increment(CALL_STATE_KEYS.toolFailures)
      : ((await callState.get<number>(CALL_STATE_KEYS.toolFailures)) ?? 0);
    if (failures < deps.failuresBeforeHandoff) return answer;
    if (first && failures === deps.failuresBeforeHandoff && !(await callState.get(CALL_STATE_KEYS.handoff))) {
      await callState.set(CALL_STATE_KEYS.handoff, { reason: "tool-failures" });
    }
    const advice = deps.transfersAvailable === false ? NO_TRANSFER_HINT : HANDOFF_HINT;
    const content = answer.message?.role === "system" ? `${answer.message.content} ${advice}` : advice;
    return { ...answer, message: { type: "request-failed", role: "system", content: oneLine(content, MAX_SPOKEN_CHARS) } };
  } catch (err) {
    deps.logger.warn("could not count a tool failure", { callId: facts.callId, toolCallId: call.toolCallId, err });
    return answer;
  }
}
