/** How calls are screened and routed at assistant-request, as declared in `assistant.config.ts` (see src/assistant/routing.ts). */
import type { PresetName } from "./preset-names.ts";

/** A rejection rule of the screening: on when present, with what the caller hears before Vapi hangs up. */
export interface RejectRule {
  message: string;
}

/**
 * Screening at assistant-request, before any AI answers: callers on the blocklist (managed over
 * `/api/blocklist`) and, where the business turns them on, simple spam rules. A rejected call
 * gets Vapi's `error` answer: the message is spoken and the call ends.
 */
export interface ScreeningConfig {
  /** Heard by a caller on the blocklist. */
  blockedMessage: string;
  /** Rejects calls without a caller ID (withheld, anonymous, restricted, unavailable). Omitted: allowed. */
  rejectWithheld?: RejectRule;
  /**
   * Rejects caller IDs no phone can have: not E.164, or a North American number whose area code
   * starts with 0 or 1. A strong sign of a spoofed robocall. Omitted: allowed.
   */
  rejectInvalid?: RejectRule;
  /** Rejects a number's calls beyond `maxCalls` within one `windowSeconds` window (redials, autodialers). Omitted: no limit. */
  rateLimit?: RejectRule & { maxCalls: number; windowSeconds: number };
  /** Numbers the spam rules never reject (the blocklist still applies): staff, VIPs, your own test phones. */
  trustedCallers?: readonly string[];
}

/** Conditions of a routing rule; all given ones must hold, none given: always. */
export interface RoutingConditions {
  /** The Vapi phone number ids the call came in on. */
  phoneNumberIds?: readonly string[];
  /** Callers' numbers (E.164). */
  callers?: readonly string[];
  /** "open" or "closed" by `businessHours` in BUSINESS_TIMEZONE. */
  hours?: "open" | "closed";
}

/** What a matched routing rule does with the call. */
export type RoutingAction =
  /** To a person without the AI: an E.164 number or `sip:` URI (omitted: TRANSFER_NUMBER), with words said first. */
  | { forward: { to?: string; message: string }; serve?: never }
  /** The AI: one preset's assistant, or a squad. */
  | { serve: { preset: PresetName; squad?: never } | { squad: string; preset?: never }; forward?: never };

/** A routing rule: the first whose conditions hold decides the call (after screening). */
export type RoutingRule = { /** Named in logs and metrics. */ name: string; when?: RoutingConditions } & RoutingAction;
