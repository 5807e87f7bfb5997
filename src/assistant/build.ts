/**
 * Turns `assistant.config.ts` into what Vapi receives: the full assistant (transient, on
 * assistant-request, or stored, by the sync CLI), or `{ assistantId, assistantOverrides }` when
 * an assistant stored in Vapi is used. Personalization enters in two ways: inline in the
 * transient assistant's prompt and first message, and always as `variableValues`, which a
 * stored assistant reads through Liquid placeholders (`{{ callerContext }}`).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { ToolDefinition } from "../tools/define-tool.ts";
import { SERVER_MESSAGES, type ServerTarget, serverFieldFor } from "../vapi/server-target.ts";
import { type CallerProfile, describeProfile, profileVariables } from "./caller-profile.ts";
import type { AssistantConfig, AssistantDto, PresetName } from "./define.ts";
import { toVapiTool } from "./vapi-tools.ts";

export interface BuildSettings {
  config: AssistantConfig;
  preset: PresetName;
  tools: readonly ToolDefinition[];
  target: ServerTarget;
  businessName: string;
  timeZone: string;
  defaultBudgetMs: number;
}

/** Vapi's transferCall without destinations: Vapi then asks this server (transfer-destination-request). */
export const TRANSFER_CALL_TOOL: Vapi.OpenAiModelToolsItem.TransferCall = { type: "transferCall" };

/** The Vapi name of a preset's assistant, e.g. "Switchboard (support)". */
export function assistantName(config: AssistantConfig, preset: PresetName): string {
  return `${config.name} (${preset})`;
}

/** The first sentence of the call for this caller. */
export function firstMessageFor(settings: Pick<BuildSettings, "config" | "businessName">, profile: CallerProfile | undefined): string {
  return settings.config.firstMessage({ businessName: settings.businessName, ...(profile?.name ? { callerName: profile.name } : {}) });
}

type Personalization = { kind: "profile"; profile: CallerProfile | undefined } | { kind: "placeholders" };

/**
 * The full assistant. With a profile (or undefined, un-personalized) the prompt is written out
 * and every tool is inline; with `placeholders` (for storing in Vapi) the prompt reads variable
 * values and function tools are referenced by id.
 */
export function buildAssistant(settings: BuildSettings, personalization: Personalization, toolIds?: readonly string[]): AssistantDto {
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
  const systemPrompt = config.systemPrompt({
    businessName: settings.businessName,
    timeZone: settings.timeZone,
    style: preset.style,
    callerContext,
  });
  const functionTools = settings.tools.map((t) => ({
    ...toVapiTool(t, settings.target, settings.defaultBudgetMs),
    type: "function" as const,
  }));
  const model = {
    ...preset.model,
    messages: [{ role: "system" as const, content: systemPrompt }],
    ...(toolIds ? { toolIds: [...toolIds], tools: [TRANSFER_CALL_TOOL] } : { tools: [...functionTools, TRANSFER_CALL_TOOL] }),
  } as Vapi.CreateAssistantDtoModel;

  const hooks: Vapi.CreateAssistantDtoHooksItem[] = preset.idleNudge
    ? [
        {
          on: "customer.speech.timeout",
          options: { timeoutSeconds: preset.idleNudge.afterSeconds, triggerMaxCount: 2, triggerResetMode: "onUserSpeech" },
          do: [{ type: "say", exact: preset.idleNudge.message }],
        },
      ]
    : [];

  return {
    name: assistantName(config, settings.preset),
    firstMessage,
    firstMessageMode: "assistant-speaks-first",
    transcriber: preset.transcriber,
    model,
    voice: preset.voice,
    startSpeakingPlan: preset.startSpeakingPlan,
    stopSpeakingPlan: preset.stopSpeakingPlan,
    backgroundSpeechDenoisingPlan: preset.backgroundSpeechDenoisingPlan,
    ...(preset.backgroundSound ? { backgroundSound: preset.backgroundSound } : {}),
    silenceTimeoutSeconds: preset.silenceTimeoutSeconds,
    maxDurationSeconds: preset.maxDurationSeconds,
    ...(hooks.length > 0 ? { hooks } : {}),
    ...(preset.analysisPlan ? { analysisPlan: preset.analysisPlan } : {}),
    ...(preset.artifactPlan ? { artifactPlan: preset.artifactPlan } : {}),
    serverMessages: [...SERVER_MESSAGES],
    ...serverFieldFor(settings.target, { kind: "assistant" }),
    metadata: { preset: settings.preset },
  };
}

/** `variableValues` for this caller: what a stored assistant's Liquid placeholders read. */
export function variableValuesFor(settings: Pick<BuildSettings, "config" | "businessName">, profile: CallerProfile | undefined) {
  return profileVariables(profile, firstMessageFor(settings, profile));
}
