/**
 * Turns `assistant.config.ts` into what Vapi receives: the full assistant (transient, on
 * assistant-request, or stored, by the sync CLI), or `{ assistantId, assistantOverrides }` when
 * an assistant stored in Vapi is used. Personalization enters in two ways: inline in the
 * transient assistant's prompt and first message, and always as `variableValues`, which a
 * stored assistant reads through Liquid placeholders (`{{ callerContext }}`).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { ToolDefinition } from "../tools/define-tool.ts";
import { SERVER_MESSAGES, type ServerTarget, serverFieldFor, serverFor } from "../vapi/server-target.ts";
import { type CallerProfile, callerNameOf, describeProfile, profileVariables } from "./caller-profile.ts";
import type { AssistantConfig, AssistantDto, Preset, PresetName } from "./define.ts";
import { withStructuredOutputs } from "./structured-outputs.ts";
import { toVapiTool } from "./vapi-tools.ts";

export interface BuildSettings {
  config: AssistantConfig;
  preset: PresetName;
  tools: readonly ToolDefinition[];
  target: ServerTarget;
  businessName: string;
  timeZone: string;
  defaultBudgetMs: number;
  /** Added to the assistant's metadata (an experiment and its arm). */
  metadata?: Record<string, string>;
  /**
   * Ids in Vapi of the structured outputs, by key: those are referenced by id, the others are
   * carried inline (transient). Sync passes every one; assistant-request VAPI_STRUCTURED_OUTPUT_IDS.
   */
  structuredOutputIds?: Readonly<Record<string, string>> | undefined;
  /**
   * Name this server's custom knowledge base on the model (Vapi then sends knowledge-base-request
   * before each answer). Only when it has documents: assistant-request checks per call, sync once.
   */
  knowledgeBase?: boolean | undefined;
}

/** Vapi's custom knowledge base pointing at this server (`model.knowledgeBase`). */
export function customKnowledgeBase(target: ServerTarget): Vapi.CreateCustomKnowledgeBaseDto {
  return { provider: "custom-knowledge-base", server: serverFor(target, { kind: "assistant" }) };
}

/** Vapi's transferCall without destinations: Vapi then asks this server (transfer-destination-request). */
export const TRANSFER_CALL_TOOL: Vapi.OpenAiModelToolsItem.TransferCall = { type: "transferCall" };

/** The Vapi name of a preset's assistant, e.g. "Switchboard (support)". */
export function assistantName(config: AssistantConfig, preset: PresetName): string {
  return `${config.name} (${preset})`;
}

/** The first sentence of the call for this caller. */
export function firstMessageFor(settings: Pick<BuildSettings, "config" | "businessName">, profile: CallerProfile | undefined): string {
  const callerName = callerNameOf(profile);
  return settings.config.firstMessage({ businessName: settings.businessName, ...(callerName ? { callerName } : {}) });
}

export type Personalization = { kind: "profile"; profile: CallerProfile | undefined } | { kind: "placeholders" };

/**
 * The full assistant. With a profile (or undefined, un-personalized) the prompt is written out
 * and every tool is inline; with `placeholders` (for storing in Vapi) the prompt reads variable
 * values and function tools are referenced by id.
 */
export function buildAssistant(settings: BuildSettings, personalization: Personalization, toolIds?: readonly string[]): AssistantDto {
  return composeAssistant(
    settings,
    personalization,
    { name: assistantName(settings.config, settings.preset), tools: settings.tools },
    toolIds,
  );
}

/** What differs between the preset's own assistant and a squad member built on the same preset. */
export interface AssistantParts {
  name: string;
  /** The function tools from tools/ this assistant calls (inline, or by `toolIds`). */
  tools: readonly ToolDefinition[];
  /** Vapi tools added after the function tools, before transferCall (a squad member's handoff tool). */
  extraTools?: readonly Vapi.OpenAiModelToolsItem[];
  /** Appended to the system prompt (a member's job and its handoff context). */
  promptSuffix?: string;
  /** Members after the first continue the conversation instead of greeting again. */
  firstMessageMode?: Vapi.CreateAssistantDtoFirstMessageMode;
  /** Message types Vapi sends besides the shared list. */
  extraServerMessages?: readonly Vapi.CreateAssistantDtoServerMessagesItem[];
  metadata?: Record<string, string>;
}

/** An assistant on `settings.preset` from its parts; `buildAssistant` and squad members share it. */
export function composeAssistant(
  settings: BuildSettings,
  personalization: Personalization,
  parts: AssistantParts,
  toolIds?: readonly string[],
): AssistantDto {
  const { config } = settings;
  const preset = config.presets[settings.preset];
  const defaultFirst = firstMessageFor(settings, undefined);
  const personalized = personalization.kind === "profile";
  const callerContext = personalized
    ? describeProfile(personalization.profile)
    : '{{ callerContext | default: "nothing yet (a new or unrecognized caller)" }}';
  const firstMessage = personalized
    ? firstMessageFor(settings, personalization.profile)
    : `{{ firstMessage | default: "${defaultFirst}" }}`;
  const systemPrompt = [
    config.systemPrompt({
      businessName: settings.businessName,
      timeZone: settings.timeZone,
      style: preset.style,
      callerContext,
    }),
    parts.promptSuffix ?? "",
  ]
    .filter(Boolean)
    .join("\n");
  const functionTools = parts.tools.map((t) => ({
    ...toVapiTool(t, settings.target, settings.defaultBudgetMs),
    type: "function" as const,
  }));
  const extra = parts.extraTools ?? [];
  const model = {
    ...preset.model,
    messages: [{ role: "system" as const, content: systemPrompt }],
    ...(toolIds
      ? { toolIds: [...toolIds], tools: [...extra, TRANSFER_CALL_TOOL] }
      : { tools: [...functionTools, ...extra, TRANSFER_CALL_TOOL] }),
    ...(settings.knowledgeBase ? { knowledgeBase: customKnowledgeBase(settings.target) } : {}),
  } as Vapi.CreateAssistantDtoModel;
  const continues = parts.firstMessageMode === "assistant-speaks-first-with-model-generated-message";

  return {
    name: parts.name,
    ...(continues ? {} : { firstMessage }),
    firstMessageMode: parts.firstMessageMode ?? "assistant-speaks-first",
    transcriber: preset.transcriber,
    model,
    voice: preset.voice,
    startSpeakingPlan: startSpeakingPlanFor(preset, settings.target),
    stopSpeakingPlan: preset.stopSpeakingPlan,
    backgroundSpeechDenoisingPlan: preset.backgroundSpeechDenoisingPlan,
    ...(preset.backgroundSound ? { backgroundSound: preset.backgroundSound } : {}),
    maxDurationSeconds: preset.maxDurationSeconds,
    hooks: silenceHooks(preset),
    ...optional("artifactPlan", withStructuredOutputs(preset.artifactPlan, config, settings.structuredOutputIds)),
    serverMessages: [...SERVER_MESSAGES, ...(parts.extraServerMessages ?? []).filter((m) => !SERVER_MESSAGES.includes(m))],
    ...serverFieldFor(settings.target, { kind: "assistant" }),
    metadata: { preset: settings.preset, ...settings.metadata, ...parts.metadata },
  };
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));
/**
 * The preset's start-speaking plan; with adaptive endpointing, Vapi asks this server each turn
 * (`call.endpointing.request`). That needs a server Vapi can authenticate to: without a credential
 * (auth `none`) the plan is left as written, on the preset's transcription plan (ADR 18).
 */
export function startSpeakingPlanFor(preset: Preset, target: ServerTarget): Vapi.StartSpeakingPlan {
  if (!preset.adaptiveEndpointing || target.auth.kind === "none") return preset.startSpeakingPlan;
  // `smartEndpointingEnabled` is the deprecated switch; the plan replaces it.
  const { smartEndpointingEnabled: _, ...plan } = preset.startSpeakingPlan;
  const smartEndpointingPlan = { provider: "custom-endpointing-model", ...serverFieldFor(target, { kind: "endpointing" }) };
  return { ...plan, smartEndpointingPlan: smartEndpointingPlan as Vapi.StartSpeakingPlanSmartEndpointingPlan };
}

export const DEFAULT_SILENCE_GOODBYE = "I haven't heard from you for a while, so I'll end the call now. Please call back anytime. Goodbye.";

/**
 * Silence handling as `customer.speech.timeout` hooks, staggered on one clock that starts when
 * the assistant stops speaking: the nudge after `idleNudge.afterSeconds` (at most twice, counted
 * afresh once the caller speaks), then Vapi's endCall, after speaking the goodbye, at
 * `silenceTimeoutSeconds` (the preset's setting; Vapi's assistant has no such property).
 */
export function silenceHooks(preset: Preset): Vapi.CreateAssistantDtoHooksItem[] {
  const nudge: Vapi.CreateAssistantDtoHooksItem[] = preset.idleNudge
    ? [
        {
          on: "customer.speech.timeout",
          options: { timeoutSeconds: preset.idleNudge.afterSeconds, triggerMaxCount: 2, triggerResetMode: "onUserSpeech" },
          do: [{ type: "say", exact: preset.idleNudge.message }],
        },
      ]
    : [];
  return [
    ...nudge,
    {
      on: "customer.speech.timeout",
      options: { timeoutSeconds: preset.silenceTimeoutSeconds, triggerMaxCount: 1 },
      // A blocking start message: the call ends only once the goodbye has been spoken.
      do: [
        {
          type: "tool",
          tool: {
            type: "endCall",
            messages: [{ type: "request-start", content: preset.silenceGoodbye ?? DEFAULT_SILENCE_GOODBYE, blocking: true }],
          },
        },
      ],
    },
  ];
}

/** `variableValues` for this caller: what a stored assistant's Liquid placeholders read. */
export function variableValuesFor(settings: Pick<BuildSettings, "config" | "businessName">, profile: CallerProfile | undefined) {
  return profileVariables(profile, firstMessageFor(settings, profile));
}
