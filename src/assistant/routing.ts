/**
 * Who gets what at assistant-request, decided before any AI answers: screening (the blocklist,
 * then the spam rules the business turned on) and routing rules (forward to a person without the
 * AI, or serve a preset or a squad), then the default preset. Pure rules over facts the caller of
 * these functions looked up; every decision names the rule that made it, for logs and metrics.
 */
import { E164 } from "../lib/patterns.ts";
import { isOpen } from "../services/business-hours.ts";
import type { AssistantConfig, PresetName, ScreeningConfig } from "./define.ts";

export type RouteDecision =
  /** Vapi's `error` answer: spoken, then the call ends. */
  | { action: "reject"; rule: string; message: string }
  /** Vapi's `destination` answer: the call goes to a person without the AI. */
  | { action: "forward"; rule: string; destination: string; message: string }
  | { action: "assistant"; rule: string; preset: PresetName }
  | { action: "squad"; rule: string; squad: string };

/** Rule names of the built-in decisions (routing rules are named by the configuration). */
export const BUILT_IN_RULES = {
  blocklist: "blocklist",
  withheld: "withheld-number",
  invalid: "invalid-number",
  rateLimit: "rate-limit",
  phoneNumberPreset: "preset-by-phone-number",
  environmentPreset: "ASSISTANT_PRESET",
  defaultPreset: "default-preset",
} as const;

/** Heard by a blocked caller when the configuration has no screening section. */
export const DEFAULT_BLOCKED_MESSAGE = "Sorry, calls from this number can't be taken on this line. Goodbye.";

/**
 * Caller IDs that mean "no number": the words carriers and SIP trunks put there, and Twilio's
 * keypad spellings of them (+266696687 ANONYMOUS, +86282452253 UNAVAILABLE, +7378742833
 * RESTRICTED, +2562533 BLOCKED).
 */
const WITHHELD_WORDS = /^(anonymous|private|restricted|unknown|unavailable|withheld|blocked|none|null)$/i;
const WITHHELD_SPELLINGS = new Set(["266696687", "86282452253", "7378742833", "2562533"]);

export type CallerIdKind = "withheld" | "invalid" | "valid";

/**
 * What the caller ID is. Withheld: absent, a "no number" word, or a keypad spelling of one.
 * Invalid: anything else that is not E.164, or a North American (+1) number that is not ten
 * digits with an area code from 2 to 9 (no area code starts with 0 or 1: such a caller ID is spoofed).
 */
export function classifyCallerId(number: string | undefined): CallerIdKind {
  const value = number?.trim() ?? "";
  if (value === "" || WITHHELD_WORDS.test(value) || WITHHELD_SPELLINGS.has(value.replace(/^\+/, ""))) return "withheld";
  if (!E164.test(value)) return "invalid";
  if (value.startsWith("+1") && (value.length !== 12 || value[2] === "0" || value[2] === "1")) return "invalid";
  return "valid";
}

export interface ScreeningFacts {
  callerNumber: string | undefined;
  /** Vapi's call type; the withheld and invalid rules judge phone calls only, not web calls. */
  callType: string | undefined;
  /** The caller has a SIP address: the withheld and invalid rules spare it, whatever its caller ID. */
  sipCaller: boolean;
  /** The number is on the blocklist. */
  blocked: boolean;
}

/** Whether the spam rules spare this caller (`trustedCallers`). */
export function isTrusted(screening: ScreeningConfig | undefined, callerNumber: string | undefined): boolean {
  return callerNumber !== undefined && (screening?.trustedCallers ?? []).includes(callerNumber);
}

/**
 * The rejection by the blocklist, the withheld rule or the invalid rule, if any. The rate limit
 * needs a counter and is decided separately (`rateLimitDecision`), only for calls this lets through.
 */
export function screenCaller(screening: ScreeningConfig | undefined, facts: ScreeningFacts): RouteDecision | undefined {
  if (facts.blocked)
    return { action: "reject", rule: BUILT_IN_RULES.blocklist, message: screening?.blockedMessage ?? DEFAULT_BLOCKED_MESSAGE };
  if (!screening || isTrusted(screening, facts.callerNumber)) return undefined;
  // Both spam rules judge a carrier's caller ID. A web call has none, and a SIP caller's "number"
  // is whatever its PBX put in the From user part (an extension, a name): neither is spam.
  const phoneCall = (facts.callType === undefined || /PhoneCall$/.test(facts.callType)) && !facts.sipCaller;
  if (!phoneCall) return undefined;
  const kind = classifyCallerId(facts.callerNumber);
  if (kind === "withheld" && screening.rejectWithheld) {
    return { action: "reject", rule: BUILT_IN_RULES.withheld, message: screening.rejectWithheld.message };
  }
  if (kind === "invalid" && screening.rejectInvalid) {
    return { action: "reject", rule: BUILT_IN_RULES.invalid, message: screening.rejectInvalid.message };
  }
  return undefined;
}

/** Whether the rate limit applies to this caller at all (configured, a real number, not trusted). */
export function rateLimitApplies(screening: ScreeningConfig | undefined, callerNumber: string | undefined): boolean {
  return screening?.rateLimit !== undefined && classifyCallerId(callerNumber) === "valid" && !isTrusted(screening, callerNumber);
}

/** The rejection for a caller whose calls in the current window (this one included) exceed the limit. */
export function rateLimitDecision(screening: ScreeningConfig | undefined, callsInWindow: number): RouteDecision | undefined {
  const limit = screening?.rateLimit;
  if (!limit || callsInWindow <= limit.maxCalls) return undefined;
  return { action: "reject", rule: BUILT_IN_RULES.rateLimit, message: limit.message };
}

export interface RoutingSettings {
  config: AssistantConfig;
  timeZone: string;
  /** TRANSFER_NUMBER: where a forward rule without `to` goes. */
  transferNumber: string | undefined;
  /** ASSISTANT_PRESET. */
  environmentPreset: PresetName | undefined;
}

export interface RoutingFacts {
  callerNumber: string | undefined;
  phoneNumberId: string | undefined;
}

/**
 * The first routing rule whose conditions hold, else the default preset. A forward rule with no
 * destination at all (no `to`, no TRANSFER_NUMBER) is passed over and reported in `skipped`.
 */
export function routeCall(settings: RoutingSettings, facts: RoutingFacts, now: Date): { decision: RouteDecision; skipped: string[] } {
  const { config } = settings;
  const skipped: string[] = [];
  let open: boolean | undefined;
  const isOpenNow = () => (open ??= isOpen(config.businessHours, settings.timeZone, now));
  for (const rule of config.routing ?? []) {
    const when = rule.when ?? {};
    if (when.phoneNumberIds && !(facts.phoneNumberId && when.phoneNumberIds.includes(facts.phoneNumberId))) continue;
    if (when.callers && !(facts.callerNumber && when.callers.includes(facts.callerNumber))) continue;
    if (when.hours && (when.hours === "open") !== isOpenNow()) continue;
    if (rule.forward) {
      const destination = rule.forward.to ?? settings.transferNumber;
      if (!destination) {
        skipped.push(rule.name);
        continue;
      }
      return { decision: { action: "forward", rule: rule.name, destination, message: rule.forward.message }, skipped };
    }
    if (rule.serve.squad !== undefined) return { decision: { action: "squad", rule: rule.name, squad: rule.serve.squad }, skipped };
    return { decision: { action: "assistant", rule: rule.name, preset: rule.serve.preset }, skipped };
  }
  const byNumber = facts.phoneNumberId ? config.presetByPhoneNumberId?.[facts.phoneNumberId] : undefined;
  if (byNumber) return { decision: { action: "assistant", rule: BUILT_IN_RULES.phoneNumberPreset, preset: byNumber }, skipped };
  if (settings.environmentPreset) {
    return { decision: { action: "assistant", rule: BUILT_IN_RULES.environmentPreset, preset: settings.environmentPreset }, skipped };
  }
  return { decision: { action: "assistant", rule: BUILT_IN_RULES.defaultPreset, preset: config.defaultPreset }, skipped };
}
