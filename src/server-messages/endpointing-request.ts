/**
 * `call.endpointing.request`: how long the caller's silence must last before their turn ends.
 * Sent only to assistants whose preset has `adaptiveEndpointing` (build.ts sets
 * `smartEndpointingPlan: { provider: "custom-endpointing-model", server }`), once per transcript
 * update, inside the turn: the answer is computed from the message alone, with no database or
 * Redis round trip (ADR 18). A preset without adaptive endpointing gets its own transcription plan.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { AssistantConfig, PresetName } from "../assistant/define.ts";
import { conversationOf, decideEndpointing, type EndpointingDecision, VAPI_ENDPOINTING_DEFAULTS } from "../assistant/endpointing.ts";
import type { AppDeps } from "../deps.ts";
import type { VapiMessage } from "../vapi/envelope.ts";
import { assistantSetup, presetFor } from "./assistant-request.ts";

/** What Vapi waits when the decision failed (our fault): its own default for words without punctuation, which never cuts a caller off. */
export const ENDPOINTING_FALLBACK: Vapi.ServerMessageResponseCallEndpointingRequest = {
  timeoutSeconds: VAPI_ENDPOINTING_DEFAULTS.onNoPunctuationSeconds,
};

/** The decision for this turn, with the preset it was made for; counted by rule. */
export function answerEndpointingRequest(deps: AppDeps, message: VapiMessage): Vapi.ServerMessageResponseCallEndpointingRequest {
  const { config } = assistantSetup(deps);
  const preset = callPreset(deps, config, message);
  const decision = endpointingFor(config, preset, message);
  deps.metrics.endpointingDecision?.(preset, decision.rule, decision.timeoutSeconds);
  return { timeoutSeconds: decision.timeoutSeconds };
}

/** The decision for a message under `preset`: the rules when the preset is adaptive, else its transcription plan. */
export function endpointingFor(config: AssistantConfig, preset: PresetName, message: VapiMessage): EndpointingDecision {
  const p = config.presets[preset];
  const waits = { ...VAPI_ENDPOINTING_DEFAULTS, ...p.startSpeakingPlan.transcriptionEndpointingPlan };
  const adaptive = p.adaptiveEndpointing ? { rules: config.endpointing?.rules ?? [], bounds: p.adaptiveEndpointing } : undefined;
  return decideEndpointing(conversationOf(message), waits, adaptive);
}

/** The call's preset: named in the served assistant's metadata (the experiment arm, a squad member's), else the number's. */
function callPreset(deps: AppDeps, config: AssistantConfig, message: VapiMessage): PresetName {
  const assistant = message.assistant as { metadata?: { preset?: unknown } } | undefined;
  const named = typeof assistant === "object" && assistant !== null ? assistant.metadata?.preset : undefined;
  return typeof named === "string" && Object.hasOwn(config.presets, named)
    ? (named as PresetName)
    : presetFor(deps, message.call?.phoneNumberId);
}
