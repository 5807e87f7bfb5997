/**
 * The answer to each Vapi server message, as a table of handlers keyed by message type. Every
 * type of Vapi's `ServerMessage` that expects an answer has an entry whose answer and fallback
 * are valid for Vapi's response schema (an empty `{}` means "no" to several of them: no
 * destination, not eligible); every other type gets `{}` (Vapi expects no response).
 * `status-update` and `end-of-call-report` are recorded before this (src/http/vapi-routes.ts).
 */
import { decideTransfer, type HandoffSettings, readTransferRequest, transferAvailability } from "../assistant/handoff.ts";
import type { AppDeps } from "../deps.ts";
import { CALL_STATE_KEYS, createCallState } from "../services/call-state.ts";
import { APOLOGY, answerError } from "../tools/dispatch/answers.ts";
import type { DispatcherDeps } from "../tools/dispatch/context.ts";
import { dispatchToolCalls } from "../tools/dispatch/dispatch-calls.ts";
import { callFacts, readToolCalls, type VapiMessage } from "../vapi/envelope.ts";
import type { ServerTarget } from "../vapi/server-target.ts";
import { answerAssistantRequest, assistantSetup, incomingCall } from "./assistant-request.ts";
import { answerCampaignPredial } from "./campaign-predial.ts";
import { answerEndpointingRequest, ENDPOINTING_FALLBACK } from "./endpointing-request.ts";
import { answerHandoffDestinationRequest, HANDOFF_FALLBACK, recordTransferUpdate } from "./handoff-destination-request.ts";
import { answerKnowledgeBaseRequest } from "./knowledge-base-request.ts";

type Body = Record<string, unknown>;

interface MessageHandler {
  /** The answer for Vapi. May throw: the webhook then sends `fallback`. */
  answer(deps: AppDeps, message: VapiMessage, target: () => ServerTarget): Promise<Body> | Body;
  /** A valid, safe answer of the same type for when `answer` failed (our fault). */
  fallback(message: VapiMessage): Body;
}

/** Informational and future types: Vapi expects no response body. */
const NO_RESPONSE: MessageHandler = { answer: () => ({}), fallback: () => ({}) };

/** Answers `message` with the handler for its type. */
export function answerMessage(deps: AppDeps, message: VapiMessage, target: () => ServerTarget): Promise<Body> | Body {
  return handlerFor(message.type).answer(deps, message, target);
}

/** What Vapi gets when the handler failed: still usable for the message type. */
export function fallbackAnswer(message: VapiMessage): Body {
  return handlerFor(message.type).fallback(message);
}

// A Map, not an object literal: the type comes from the request, and "constructor" must not find Object's.
const handlerFor = (type: string): MessageHandler => HANDLERS.get(type) ?? NO_RESPONSE;

/** A tool-call list far beyond MAX_TOOL_CALLS_PER_MESSAGE: nothing runs (see ADR 9). */
const TOO_MANY_CALLS = "Too many tool calls in one message; none were run. Please ask again, one request at a time.";

/** What the caller hears when a transfer could not be decided (our fault). */
export const TRANSFER_FALLBACK = "Sorry, I couldn't connect you just now. Please try again in a moment.";

const handlers: Record<string, MessageHandler> = {
  "tool-calls": {
    async answer(deps, message) {
      const { config } = deps;
      const { calls, unusable, oversized } = readToolCalls(message, config.MAX_TOOL_CALLS_PER_MESSAGE);
      if (unusable > 0) deps.logger.warn("tool calls without a usable id were skipped", { count: unusable, callId: message.call?.id });
      if (oversized !== undefined) {
        // Refused whole, before anything runs; only the first calls are answered, so the answer stays small.
        deps.logger.warn("tool call list refused: too long", { count: oversized, callId: message.call?.id });
        return { results: calls.map((call) => answerError(call, TOO_MANY_CALLS, "rejected", undefined, "modelMistake").answer) };
      }
      const results = await dispatchToolCalls(dispatcherDeps(deps), callFacts(message), calls);
      return { results };
    },
    // Our failure: no hint, so each tool's fixed `failed` words play (ADR 10).
    fallback: (message) => ({
      results: readToolCalls(message).calls.map((call) => ({ toolCallId: call.toolCallId, name: call.name, error: APOLOGY })),
    }),
  },

  "assistant-request": {
    async answer(deps, message, target) {
      const call = incomingCall(message);
      const served = await answerAssistantRequest(deps, call, target());
      deps.logger.info("assistant served", {
        callId: call.callId,
        action: served.route.action,
        preset: served.preset,
        ...(served.experiment ? { experiment: served.experiment.experiment } : {}),
        ...served.personalization,
      });
      return served.response as Body;
    },
    fallback: () => ({ error: APOLOGY }),
  },

  "transfer-destination-request": {
    answer: (deps, message) => transfer(deps, message) as Promise<Body>,
    fallback: () => ({ error: TRANSFER_FALLBACK }),
  },

  "handoff-destination-request": {
    answer: answerHandoffDestinationRequest,
    fallback: () => ({ destination: {}, error: HANDOFF_FALLBACK }),
  },

  "transfer-update": { answer: recordTransferUpdate, fallback: () => ({}) },

  // Sent only for the custom knowledge base the served assistant names when documents exist.
  "knowledge-base-request": { answer: answerKnowledgeBaseRequest, fallback: () => ({ documents: [] }) },

  // Sent to presets with adaptive endpointing: each turn's wait (./endpointing-request.ts).
  "call.endpointing.request": {
    answer: (deps, message) => ({ ...answerEndpointingRequest(deps, message) }),
    fallback: () => ({ ...ENDPOINTING_FALLBACK }),
  },

  // Sent only for a campaign whose `predialPlan` points at this server: calling hours in the
  // callee's zone, the do-not-call list, daily attempts (./campaign-predial.ts). A failure on our
  // side skips the contact: `{}` would too, but Vapi records it as a pre-dial failure.
  "campaign.predial": { answer: answerCampaignPredial, fallback: () => ({ eligible: false }) },

  // Sent only to a custom voice's server (`voice.provider: "custom-voice"`), which expects raw PCM
  // audio, not JSON: no preset configures one, so this is a misconfiguration worth a warning.
  "voice-request": {
    answer: (deps, message) => {
      deps.logger.warn("voice-request received: Switchboard does not synthesize speech; point the assistant's voice at a TTS provider", {
        callId: message.call?.id,
      });
      return {};
    },
    fallback: () => ({}),
  },
};

const HANDLERS = new Map(Object.entries(handlers));

/** The types with an answer of their own (every other type gets `{}`). */
export const ANSWERED_TYPES: readonly string[] = Object.keys(handlers);

/** Recorded before answering (src/server-messages/lifecycle.ts): the record reads far into the message. */
const RECORDED_TYPES = new Set(["status-update", "end-of-call-report"]);

/**
 * True when handling a message of `type` reads nothing but the envelope (type, timestamp, call,
 * customer) and the tool-call list: tool calls and every type answered `{}`. The webhook then
 * leaves the rest of the message unparsed (src/vapi/envelope-text.ts).
 */
export const readsOnlyEnvelope = (type: string): boolean => type === "tool-calls" || (!HANDLERS.has(type) && !RECORDED_TYPES.has(type));

/** The dispatcher's dependencies, derived once per AppDeps (once per process on Node, once per request on Workers). */
const dispatchers = new WeakMap<AppDeps, DispatcherDeps>();

function dispatcherDeps(deps: AppDeps): DispatcherDeps {
  let built = dispatchers.get(deps);
  if (built) return built;
  const { config } = deps;
  built = {
    ...pick(deps, ["registry", "db", "cache", "logger", "metrics", "clock", "services", "defer"]),
    timeZone: config.BUSINESS_TIMEZONE,
    businessHours: assistantSetup(deps).config.businessHours,
    defaultBudgetMs: config.TOOL_BUDGET_MS,
    maxResultChars: config.MAX_RESULT_CHARS,
    maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
    sideEffectLimitPerMinute: config.SIDE_EFFECT_LIMIT_PER_MINUTE,
    callStateTtlMs: config.durations.callStateTtlMs,
    callerMemoryTtlMs: config.durations.callerProfileTtlMs,
    failuresBeforeHandoff: config.TOOL_FAILURES_BEFORE_HANDOFF,
    transfersAvailable: transferAvailability(handoffSettings(deps)).configured,
  };
  dispatchers.set(deps, built);
  return built;
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

function handoffSettings(deps: AppDeps): HandoffSettings {
  const { config } = assistantSetup(deps);
  return {
    handoff: config.handoff,
    businessHours: config.businessHours,
    timeZone: deps.config.BUSINESS_TIMEZONE,
    fallbackDestination: deps.config.TRANSFER_NUMBER,
    fallbackMessage: deps.config.TRANSFER_MESSAGE,
  };
}

/** Routes a transfer by the rules in the assistant configuration (see src/assistant/handoff.ts). */
async function transfer(deps: AppDeps, message: VapiMessage) {
  const facts = callFacts(message);
  const state = createCallState(deps.cache, facts.callId, deps.config.durations.callStateTtlMs, deps.logger);
  const wanted = (await state.get<{ department?: string; reason?: string }>(CALL_STATE_KEYS.handoff)) ?? {};
  const asked = readTransferRequest(message);
  const decision = decideTransfer(
    handoffSettings(deps),
    { department: wanted.department ?? asked.department, reason: wanted.reason ?? asked.reason, recentCallerText: asked.recentCallerText },
    deps.clock.now(),
  );
  deps.logger.info("transfer decided", { callId: facts.callId, rule: decision.rule, matchedBy: decision.matchedBy, open: decision.open });
  return decision.response;
}
