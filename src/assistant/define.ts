/**
 * The shape of `assistant.config.ts`, the file the business edits. Every Vapi field is typed with
 * `@vapi-ai/server-sdk`'s own types, so a misspelled or removed field fails the typecheck
 * instead of being silently ignored by Vapi.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { Weekday, WeeklyHours } from "../services/business-hours.ts";

export type { Weekday, WeeklyHours };

/** The assistant as Vapi's API accepts it (`CreateAssistantDTO`: nothing it does not declare). */
export type AssistantDto = Vapi.CreateAssistantDto;

export const PRESET_NAMES = ["scheduling", "dispatch", "support"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A model without the parts Switchboard fills in (system prompt, tools). */
export type PresetModel = DistributiveOmit<Vapi.CreateAssistantDtoModel, "messages" | "tools" | "toolIds">;

/** Latency and conversation settings for one use case. */
export interface Preset {
  /** One line for reviewers: what this preset is for and what it trades. */
  description: string;
  /** Streaming speech-to-text, with its endpointing (silence before a transcript is final). */
  transcriber: Vapi.CreateAssistantDtoTranscriber;
  model: PresetModel;
  voice: Vapi.CreateAssistantDtoVoice;
  /** When the assistant starts talking after the caller stops: the main turn-taking latency. */
  startSpeakingPlan: Vapi.StartSpeakingPlan;
  /** Barge-in: how much caller speech makes the assistant stop talking. */
  stopSpeakingPlan: Vapi.StopSpeakingPlan;
  backgroundSpeechDenoisingPlan: Vapi.BackgroundSpeechDenoisingPlan;
  backgroundSound?: Vapi.CreateAssistantDtoBackgroundSound;
  /**
   * Ends the call after the caller has been silent this long (2 to 1000 s, counted from when the
   * assistant stops speaking): a `customer.speech.timeout` hook that says `silenceGoodbye` and
   * ends the call. Vapi's assistant no longer takes `silenceTimeoutSeconds` (ADR 10).
   */
  silenceTimeoutSeconds: number;
  /** Spoken before the call ends for silence. */
  silenceGoodbye?: string;
  /** Before that, prompts a silent caller (another `customer.speech.timeout` hook, at most twice). */
  idleNudge?: { afterSeconds: number; message: string };
  /** Hard limit on the call's length. */
  maxDurationSeconds: number;
  analysisPlan?: Vapi.AnalysisPlan;
  artifactPlan?: Vapi.ArtifactPlan;
  /** Added to the system prompt: how to talk in this use case. */
  style: string;
}

/** A way to a human. The first rule that matches the transfer's department, reason or keywords wins. */
export interface HandoffRule {
  /** The department this rule routes to; matched against the department the transfer asks for. */
  department: string;
  /** Words in the caller's recent turns that pick this rule when no department was named. */
  keywords?: readonly string[];
  /** Reasons set by the runtime or by tools (for example "tool-failures") that pick this rule. */
  reasons?: readonly string[];
  /** "business": only while open (see `businessHours`); "always": any time. */
  hours: "business" | "always";
  /** E.164 number or `sip:` URI. Omitted: the TRANSFER_NUMBER fallback. */
  destination?: string;
  /** Spoken to the caller before the transfer. */
  message: string;
}

export interface HandoffConfig {
  rules: readonly HandoffRule[];
  /** Where calls go when the matching rule is closed (an on-call line, a voicemail SIP URI). Omit to refuse. */
  afterHoursDestination?: string;
  afterHoursMessage?: string;
  /** Spoken when the matching rule is closed and there is no after-hours destination. */
  closedMessage: string;
  /**
   * Spoken when the matching rule has no destination and TRANSFER_NUMBER is not set (transfers
   * not configured). Keep it true at any hour: it is not about opening times.
   */
  unavailableMessage: string;
}

export interface PromptContext {
  businessName: string;
  timeZone: string;
  /** The preset's `style`. */
  style: string;
  /** What is known about the caller, as sentences; empty for an unknown caller or a missed budget. */
  callerContext: string;
}

export interface AssistantConfig {
  /** Base name of the assistant in Vapi; the preset is appended ("Switchboard (support)"). */
  name: string;
  /** The preset served unless ASSISTANT_PRESET or `presetByPhoneNumberId` says otherwise. */
  defaultPreset: PresetName;
  presets: Record<PresetName, Preset>;
  /** Vapi phone number id → preset, for numbers that serve another use case. */
  presetByPhoneNumberId?: Record<string, PresetName>;
  /** The first sentence of the call. `callerName` is set for a known caller. */
  firstMessage(ctx: { businessName: string; callerName?: string }): string;
  systemPrompt(ctx: PromptContext): string;
  businessHours: WeeklyHours;
  handoff: HandoffConfig;
}

/** Identity function that gives `assistant.config.ts` its types. */
export function defineAssistantConfig(config: AssistantConfig): AssistantConfig {
  return config;
}
