/**
 * Human handoff: the answer to `transfer-destination-request`, decided by the rules in
 * `assistant.config.ts`. Vapi asks when the model calls `transferCall` (which carries no
 * destinations of its own); the department comes from, in order, what a tool or the runtime
 * put in the call's state, the arguments of the model's transferCall, keywords in the caller's
 * last turns, else the general fallback (TRANSFER_NUMBER).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { isOpen } from "../services/business-hours.ts";
import type { HandoffConfig, HandoffRule, WeeklyHours } from "./define.ts";

export interface TransferRequest {
  department?: string | undefined;
  reason?: string | undefined;
  /** The caller's last few turns, for keyword rules. */
  recentCallerText: string;
}

export interface HandoffSettings {
  handoff: HandoffConfig;
  businessHours: WeeklyHours;
  timeZone: string;
  /** TRANSFER_NUMBER: the destination of rules without their own, and of the general fallback. */
  fallbackDestination: string | undefined;
  /** TRANSFER_MESSAGE: spoken by the general fallback. */
  fallbackMessage: string;
}

export interface TransferDecision {
  response: Vapi.ServerMessageResponseTransferDestinationRequest;
  /** Which rule matched ("general" for the fallback) and why: for logs and review. */
  rule: string;
  matchedBy: "department" | "reason" | "keyword" | "fallback";
  open: boolean;
}

/** Where transfers can go: each rule's destination (its own, else TRANSFER_NUMBER), for the banner, /readyz and the prompts. */
export interface TransferAvailability {
  /** True when at least one transfer can reach a person (at some hour). */
  configured: boolean;
  /** TRANSFER_NUMBER is set: the general fallback and rules without their own destination use it. */
  fallback: boolean;
  /** Each rule's department and where it goes (undefined: nowhere, the caller hears `unavailableMessage`). */
  departments: { department: string; destination: string | undefined; hours: HandoffRule["hours"] }[];
  afterHours: boolean;
}

export function transferAvailability(settings: Pick<HandoffSettings, "handoff" | "fallbackDestination">): TransferAvailability {
  const departments = settings.handoff.rules.map((r) => ({
    department: r.department,
    destination: r.destination ?? settings.fallbackDestination,
    hours: r.hours,
  }));
  const fallback = settings.fallbackDestination !== undefined;
  const afterHours = settings.handoff.afterHoursDestination !== undefined;
  return { configured: fallback || afterHours || departments.some((d) => d.destination !== undefined), fallback, departments, afterHours };
}

/** Picks the destination for a transfer at `now`. */
export function decideTransfer(settings: HandoffSettings, request: TransferRequest, now: Date): TransferDecision {
  const { rule, matchedBy } = pickRule(settings, request);
  const open = rule.hours === "always" || isOpen(settings.businessHours, settings.timeZone, now);
  const { handoff } = settings;
  if (!open) {
    if (handoff.afterHoursDestination) {
      const message = handoff.afterHoursMessage ?? rule.message;
      return { response: transferTo(handoff.afterHoursDestination, message), rule: rule.department, matchedBy, open };
    }
    return { response: { error: handoff.closedMessage }, rule: rule.department, matchedBy, open };
  }
  const destination = rule.destination ?? settings.fallbackDestination;
  if (!destination) return { response: { error: handoff.unavailableMessage }, rule: rule.department, matchedBy, open };
  return { response: transferTo(destination, rule.message), rule: rule.department, matchedBy, open };
}

function pickRule(settings: HandoffSettings, request: TransferRequest): { rule: HandoffRule; matchedBy: TransferDecision["matchedBy"] } {
  const rules = settings.handoff.rules;
  const department = request.department?.trim().toLowerCase();
  if (department) {
    const rule = rules.find((r) => r.department.toLowerCase() === department);
    if (rule) return { rule, matchedBy: "department" };
  }
  if (request.reason) {
    const rule = rules.find((r) => r.reasons?.includes(request.reason!));
    if (rule) return { rule, matchedBy: "reason" };
  }
  const text = ` ${request.recentCallerText.toLowerCase().replace(/[^a-z0-9]+/g, " ")} `;
  const byKeyword = rules.find((r) => r.keywords?.some((k) => text.includes(` ${k.toLowerCase()} `)));
  if (byKeyword) return { rule: byKeyword, matchedBy: "keyword" };
  return {
    rule: { department: "general", hours: "always", destination: settings.fallbackDestination, message: settings.fallbackMessage },
    matchedBy: "fallback",
  };
}

/**
 * A Vapi transfer destination: a `sip:` URI or an E.164 number, with the sentence spoken before
 * connecting. Only there: the response's own `message` is spoken too (as the transfer runs), so
 * the same sentence in both was heard twice.
 */
export function transferTo(destination: string, message: string): Vapi.ServerMessageResponseTransferDestinationRequest {
  const target: Vapi.ServerMessageResponseTransferDestinationRequestDestination = destination.startsWith("sip")
    ? { type: "sip", sipUri: destination, message }
    : { type: "number", number: destination, message };
  return { destination: target };
}

const TRANSFER_TOOL = "transferCall";

/**
 * Reads what Vapi tells us about the transfer: the arguments of the model's transferCall (if
 * Vapi forwarded any) and the caller's last turns, from the live artifact or the message list.
 * Tolerant of both message shapes Vapi uses (`message` and OpenAI-style `content`).
 */
export function readTransferRequest(message: Record<string, unknown>): TransferRequest {
  const artifact = asRecord(message.artifact);
  const list = [artifact?.messages, message.messages, artifact?.messagesOpenAIFormatted, message.messagesOpenAIFormatted].find(
    Array.isArray,
  ) as unknown[] | undefined;
  const items = (list ?? []).map(asRecord).filter((m): m is Record<string, unknown> => m !== undefined);

  let department: string | undefined;
  let reason: string | undefined;
  for (const item of items) {
    for (const call of Array.isArray(item.toolCalls) ? item.toolCalls : []) {
      const fn = asRecord(asRecord(call)?.function);
      if (fn?.name !== TRANSFER_TOOL) continue;
      const args = parseArgs(fn.arguments);
      department = str(args.department) ?? str(args.destination) ?? department;
      reason = str(args.reason) ?? reason;
    }
  }
  const callerTurns = items
    .filter((m) => m.role === "user")
    .map((m) => str(m.message) ?? str(m.content) ?? "")
    .slice(-3);
  return { department, reason, recentCallerText: callerTurns.join(" ") };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

function parseArgs(value: unknown): Record<string, unknown> {
  if (typeof value === "string") {
    try {
      return asRecord(JSON.parse(value)) ?? {};
    } catch {
      return {};
    }
  }
  return asRecord(value) ?? {};
}
