/** Answers each Vapi server message type that needs an answer; every other type gets `{}`. */
import { decideTransfer, readTransferRequest } from "../assistant/handoff.ts";
import type { AppDeps } from "../deps.ts";
import { CALL_STATE_KEYS, createCallState } from "../services/call-state.ts";
import { APOLOGY } from "../tools/dispatch/answers.ts";
import { dispatchToolCalls } from "../tools/dispatch/dispatch-calls.ts";
import { callFacts, readToolCalls, type VapiMessage } from "../vapi/envelope.ts";
import type { ServerTarget } from "../vapi/server-target.ts";
import { answerAssistantRequest, assistantSetup } from "./assistant-request.ts";

export async function answer(deps: AppDeps, message: VapiMessage, target: () => ServerTarget): Promise<Record<string, unknown>> {
  const { config } = deps;
  switch (message.type) {
    case "tool-calls": {
      const { calls, unusable, oversized } = readToolCalls(message, config.MAX_TOOL_CALLS_PER_MESSAGE);
      if (unusable > 0) deps.logger.warn("tool calls without a usable id were skipped", { count: unusable, callId: message.call?.id });
      if (oversized !== undefined) {
        // Refused whole, before anything runs; only the first calls are answered, so the answer stays small.
        deps.logger.warn("tool call list refused: too long", { count: oversized, callId: message.call?.id });
        return { results: calls.map((call) => ({ toolCallId: call.toolCallId, name: call.name, error: TOO_MANY_CALLS })) };
      }
      const results = await dispatchToolCalls(
        {
          registry: deps.registry,
          db: deps.db,
          cache: deps.cache,
          logger: deps.logger,
          metrics: deps.metrics,
          clock: deps.clock,
          timeZone: config.BUSINESS_TIMEZONE,
          services: deps.services,
          defer: deps.defer,
          defaultBudgetMs: config.TOOL_BUDGET_MS,
          maxResultChars: config.MAX_RESULT_CHARS,
          maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
          sideEffectLimitPerMinute: config.SIDE_EFFECT_LIMIT_PER_MINUTE,
          callStateTtlMs: config.CALL_STATE_TTL_SECONDS * 1000,
          callerMemoryTtlMs: config.CALLER_PROFILE_TTL_SECONDS * 1000,
          failuresBeforeHandoff: config.TOOL_FAILURES_BEFORE_HANDOFF,
        },
        callFacts(message),
        calls,
      );
      return { results };
    }
    case "assistant-request": {
      const facts = callFacts(message);
      const served = await answerAssistantRequest(deps, facts, target());
      deps.logger.info("assistant served", { callId: facts.callId, preset: served.preset, ...served.personalization });
      return served.response as Record<string, unknown>;
    }
    case "transfer-destination-request":
      return (await transfer(deps, message)) as Record<string, unknown>;
    case "knowledge-base-request":
      return { documents: [] };
    default:
      // Every other informational or future type.
      return {};
  }
}

/** Routes a transfer by the rules in the assistant configuration (see src/assistant/handoff.ts). */
async function transfer(deps: AppDeps, message: VapiMessage) {
  const { config } = assistantSetup(deps);
  const facts = callFacts(message);
  const state = createCallState(deps.cache, facts.callId, deps.config.CALL_STATE_TTL_SECONDS * 1000, deps.logger);
  const wanted = (await state.get<{ department?: string; reason?: string }>(CALL_STATE_KEYS.handoff)) ?? {};
  const asked = readTransferRequest(message);
  const decision = decideTransfer(
    {
      handoff: config.handoff,
      businessHours: config.businessHours,
      timeZone: deps.config.BUSINESS_TIMEZONE,
      fallbackDestination: deps.config.TRANSFER_NUMBER,
      fallbackMessage: deps.config.TRANSFER_MESSAGE,
    },
    { department: wanted.department ?? asked.department, reason: wanted.reason ?? asked.reason, recentCallerText: asked.recentCallerText },
    deps.clock.now(),
  );
  deps.logger.info("transfer decided", { callId: facts.callId, rule: decision.rule, matchedBy: decision.matchedBy, open: decision.open });
  return decision.response;
}

const TOO_MANY_CALLS = "Too many tool calls in one message; none were run. Please ask again, one request at a time.";

export function fallbackAnswer(message: VapiMessage, maxCallsPerMessage?: number): Record<string, unknown> {
  if (message.type === "tool-calls") {
    return {
      results: readToolCalls(message, maxCallsPerMessage).calls.map((call) => ({
        toolCallId: call.toolCallId,
        name: call.name,
        error: APOLOGY,
      })),
    };
  }
  if (message.type === "assistant-request" || message.type === "transfer-destination-request") return { error: APOLOGY };
  return {};
}
