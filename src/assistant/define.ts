/**
 * The shape of `assistant.config.ts`, the file the business edits. Every Vapi field is typed with
 * `@vapi-ai/server-sdk`'s own types, so a misspelled or removed field fails the typecheck
 * instead of being silently ignored by Vapi.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { E164 } from "../lib/patterns.ts";
import { businessHoursProblems, type Weekday, type WeeklyHours } from "../services/business-hours.ts";
import { type CampaignRules, campaignRulesProblems } from "../services/campaigns/rules.ts";
import { type EndpointingBounds, type EndpointingConfig, type ExperimentConfig, turnTakingProblems } from "./experiments.ts";
import type { PresetName } from "./preset-names.ts";
import type { RoutingRule, ScreeningConfig } from "./screening-config.ts";
import { type StructuredOutputs, structuredOutputProblems } from "./structured-outputs.ts";

export type { RejectRule, RoutingAction, RoutingConditions, RoutingRule, ScreeningConfig } from "./screening-config.ts";
export type { CampaignRules, Weekday, WeeklyHours };

/** The assistant as Vapi's API accepts it (`CreateAssistantDTO`: nothing it does not declare). */
export type AssistantDto = Vapi.CreateAssistantDto;

export { PRESET_NAMES, type PresetName } from "./preset-names.ts";

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
  /** Present: Switchboard decides each turn's wait by `endpointing.rules`, within these bounds (ADR 18). */
  adaptiveEndpointing?: EndpointingBounds;
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
  /** Recording and transcript; the structured outputs (`AssistantConfig.structuredOutputs`) are added to it. */
  artifactPlan?: Omit<Vapi.ArtifactPlan, "structuredOutputIds" | "structuredOutputs">;
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

/**
 * One member of a squad: an assistant with its own preset (turn-taking, model, voice), its own
 * tools and its own job. Vapi names it `<config name> <member name>` ("Switchboard billing").
 */
export interface SquadMember {
  /** Short name, lower-case letters, digits and dashes ("billing"): the desk the model asks for in a handoff. */
  name: string;
  /** One line: what this member handles. The other members' models read it to pick a desk. */
  description: string;
  preset: PresetName;
  /** Names of the tools from tools/ this member may call (a subset: fewer tools, fewer wrong calls). */
  tools: readonly string[];
  /** Added to the system prompt: this member's job, in a few sentences. */
  instructions: string;
  /** Members this one may hand the caller to; omitted: every other member. */
  handoffTo?: readonly string[];
  /** Words in the caller's recent turns that pick this member when the model named no desk. */
  keywords?: readonly string[];
  /** Reasons in the call's state (for example "tool-failures") that pick this member. */
  reasons?: readonly string[];
  /** "business": takes handoffs only while open (see `businessHours`); "always" (default): any time. */
  hours?: "business" | "always";
  /** Where a handoff to this member goes while it is closed (another member); omitted: the caller hears `closedMessage`. */
  afterHours?: string;
  /** Heard when this member is closed and has no `afterHours` member; defaults to the squad's `closedMessage`. */
  closedMessage?: string;
}

/** Which earlier messages the next member's model sees after a handoff (Vapi's context engineering plan). */
export type HandoffContext =
  | { type: "all" }
  | { type: "userAndAssistantMessages" }
  | { type: "previousAssistantMessages" }
  | { type: "lastNMessages"; maxMessages: number }
  | { type: "none" };

/**
 * Several specialised assistants that hand the caller to each other. The first member answers
 * the call; a handoff asks this server (`handoff-destination-request`), which picks the next
 * member by the rules below and carries what was said to it.
 */
export interface SquadConfig {
  /** One line for reviewers. */
  description: string;
  /** The members; the first one answers the call. */
  members: readonly SquadMember[];
  /** What the next member's model sees of the conversation so far. Default: user and assistant turns (no tool internals). */
  context?: HandoffContext;
  /** Said while a handoff is being decided (the handoff tool's request-start); omit for a silent handoff. */
  handoffMessage?: string;
  /** Heard when the asked-for member is closed and has no `afterHours` member. */
  closedMessage: string;
  /** Given back to the model when no desk can be told from the request: it should ask the caller. */
  unclearMessage: string;
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
  /** Opening hours: "HH:MM", 24-hour, open before close ("24:00" closes at midnight); a missing day is closed. */
  businessHours: WeeklyHours;
  handoff: HandoffConfig;
  /** Squads by name, served by a routing rule (`serve: { squad }`). */
  squads?: Record<string, SquadConfig>;
  /** Who is turned away before the AI answers. Omitted: only the blocklist, with a generic sentence. */
  screening?: ScreeningConfig;
  /** Rules tried in order after screening; none matches: `presetByPhoneNumberId`, ASSISTANT_PRESET, `defaultPreset`. */
  routing?: readonly RoutingRule[];
  /** Adaptive endpointing's rules (endpointing.ts) and experiments splitting calls between presets (experiments.ts). */
  endpointing?: EndpointingConfig;
  experiments?: readonly ExperimentConfig[];
  /** Outbound campaigns: calling hours, days and attempts `campaign.predial` enforces. Omitted: the defaults (ADR 0017). */
  campaigns?: CampaignRules;
  /** What Vapi extracts from every call once it ends, stored with the call record (docs/structured-outputs.md). */
  structuredOutputs?: StructuredOutputs;
}

/** Identity function that gives `assistant.config.ts` its types, and refuses a configuration that cannot work. */
export function defineAssistantConfig(config: AssistantConfig): AssistantConfig {
  const problems = assistantConfigProblems(config);
  if (problems.length > 0) throw new AssistantConfigError(problems);
  return config;
}

/** A configuration that cannot work, with every problem named. */
export class AssistantConfigError extends Error {
  override name = "AssistantConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`assistant.config.ts has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

const MEMBER_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const DESTINATION = /^(\+[1-9]\d{6,14}|sips?:[^@\s]+@\S+)$/;
/** Vapi's limit on an assistant's name. */
export const MAX_ASSISTANT_NAME = 40;

/**
 * What is wrong with squads, opening hours, screening and routing rules, one sentence each (empty: nothing).
 * Tool names are checked against the registry separately (`squadToolProblems`): they are only
 * known once tools/ is loaded.
 */
export function assistantConfigProblems(config: AssistantConfig): string[] {
  const problems = turnTakingProblems(config);
  for (const [squadName, squad] of Object.entries(config.squads ?? {})) {
    const where = `squads.${squadName}`;
    if (squad.members.length < 2) problems.push(`${where}: a squad needs at least two members`);
    const names = squad.members.map((m) => m.name);
    for (const [i, member] of squad.members.entries()) {
      const at = `${where}.members[${i}] (${member.name})`;
      if (!MEMBER_NAME.test(member.name)) problems.push(`${at}: name must be lower-case letters, digits and dashes, at most 20`);
      if (names.indexOf(member.name) !== i) problems.push(`${at}: another member has the same name`);
      if (`${config.name} ${member.name}`.length > MAX_ASSISTANT_NAME) {
        problems.push(
          `${at}: "${config.name} ${member.name}" is longer than Vapi's ${MAX_ASSISTANT_NAME} characters for an assistant name`,
        );
      }
      if (!Object.hasOwn(config.presets, member.preset)) problems.push(`${at}: unknown preset "${member.preset}"`);
      for (const target of member.handoffTo ?? []) {
        if (!names.includes(target)) problems.push(`${at}: handoffTo names "${target}", which is not a member`);
        if (target === member.name) problems.push(`${at}: handoffTo names the member itself`);
      }
      if (member.afterHours !== undefined) {
        if (!names.includes(member.afterHours)) problems.push(`${at}: afterHours names "${member.afterHours}", which is not a member`);
        const fallback = squad.members.find((m) => m.name === member.afterHours);
        if (fallback?.hours === "business") problems.push(`${at}: afterHours member "${member.afterHours}" is itself closed after hours`);
      }
    }
  }
  problems.push(...businessHoursProblems(config.businessHours));
  problems.push(...structuredOutputProblems(config));
  const screening = config.screening;
  for (const number of screening?.trustedCallers ?? []) {
    if (!E164.test(number)) problems.push(`screening.trustedCallers: "${number}" is not an E.164 number`);
  }
  if (screening?.rateLimit) {
    const { maxCalls, windowSeconds } = screening.rateLimit;
    if (!Number.isInteger(maxCalls) || maxCalls < 1) problems.push("screening.rateLimit.maxCalls: must be a whole number from 1");
    if (!Number.isInteger(windowSeconds) || windowSeconds < 10 || windowSeconds > 86_400) {
      problems.push("screening.rateLimit.windowSeconds: must be a whole number from 10 to 86400");
    }
  }
  problems.push(...campaignRulesProblems(config.campaigns));
  const ruleNames = new Set<string>();
  for (const [i, rule] of (config.routing ?? []).entries()) {
    const at = `routing[${i}] (${rule.name})`;
    if (ruleNames.has(rule.name)) problems.push(`${at}: another rule has the same name`);
    ruleNames.add(rule.name);
    for (const number of rule.when?.callers ?? []) {
      if (!E164.test(number)) problems.push(`${at}: caller "${number}" is not an E.164 number`);
    }
    if (rule.forward?.to !== undefined && !DESTINATION.test(rule.forward.to)) {
      problems.push(`${at}: forward.to must be an E.164 number or a sip: URI`);
    }
    if (rule.serve?.squad !== undefined && !Object.hasOwn(config.squads ?? {}, rule.serve.squad))
      problems.push(`${at}: unknown squad "${rule.serve.squad}"`);
    if (rule.serve?.preset !== undefined && !Object.hasOwn(config.presets, rule.serve.preset)) {
      problems.push(`${at}: unknown preset "${rule.serve.preset}"`);
    }
  }
  return problems;
}

/** Members naming tools that are not in tools/, one sentence each. */
export function squadToolProblems(config: AssistantConfig, toolNames: readonly string[]): string[] {
  const known = new Set(toolNames);
  return Object.entries(config.squads ?? {}).flatMap(([squadName, squad]) =>
    squad.members.flatMap((m) =>
      m.tools.filter((t) => !known.has(t)).map((t) => `squads.${squadName} member ${m.name}: no tool named "${t}" in tools/`),
    ),
  );
}
