/**
 * The answer to `handoff-destination-request`: which squad member takes the caller next, decided
 * like the transfer rules (src/assistant/handoff.ts). The desk comes from, in order, the desk the
 * model named, a department a tool put in the call's state (`handoff`), a reason the model gave
 * that a member lists, keywords in the caller's last turns, and last a reason in the call's state
 * (it may be old: a `tool-failures` reason stays for the rest of the call, so the caller's own
 * words come first). Reasons and keywords only pick members the speaking member may hand to.
 * Then: a member cannot hand to itself or to a member outside its `handoffTo`; a member with
 * `hours: "business"` is closed outside `businessHours` (its `afterHours` member takes the call
 * when the speaking member may hand to it, else the caller hears the closed message). The next
 * member gets what was said and the call's state as variable values, inert against Liquid.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { redactPersonalData } from "../lib/redaction.ts";
import { isOpen } from "../services/business-hours.ts";
import { inertText } from "./caller-profile.ts";
import type { AssistantConfig, SquadConfig, SquadMember } from "./define.ts";
import { DEFAULT_HANDOFF_CONTEXT, HANDOFF_NOTE_VARIABLE, handoffTargets, memberAssistantName } from "./squad.ts";

export interface SquadHandoffRequest {
  /** The member asking (undefined when Vapi did not say which assistant is speaking). */
  from: string | undefined;
  /** The desk the model asked for. */
  desk?: string | undefined;
  /** Why, as the model put it. */
  reason?: string | undefined;
  /** What a tool or the runtime put in the call's state under `handoff`. */
  state: { department?: string | undefined; reason?: string | undefined };
  /** The caller's last few turns, for keyword rules. */
  recentCallerText: string;
}

export type HandoffMatch = "desk" | "state" | "reason" | "keyword";

export type SquadHandoffDecision =
  | {
      kind: "handoff";
      member: SquadMember;
      matchedBy: HandoffMatch;
      /** Set when the asked-for member was closed and this one took the call instead. */
      closedMember?: string;
    }
  | {
      kind: "refused";
      why: "unclear" | "unknown-desk" | "same-member" | "not-allowed" | "closed";
      /** Given back to the model (Vapi adds it to the conversation), which tells the caller. */
      message: string;
      asked?: string;
    };

/** Picks the next member at `now`. */
export function decideSquadHandoff(
  settings: { squad: SquadConfig; businessHours: AssistantConfig["businessHours"]; timeZone: string },
  request: SquadHandoffRequest,
  now: Date,
): SquadHandoffDecision {
  const { squad } = settings;
  const members = squad.members;
  const from = members.find((m) => m.name === request.from);
  const byName = (name: string | undefined) => {
    const wanted = name?.trim().toLowerCase();
    return wanted ? members.find((m) => m.name === wanted) : undefined;
  };
  const asked = request.desk?.trim() ? request.desk.trim() : undefined;
  // Reasons and keywords only choose among the members this one may hand to.
  const candidates = from ? handoffTargets(squad, from) : members;
  const byReason = (reason: string | undefined) => (reason ? candidates.find((m) => m.reasons?.includes(reason)) : undefined);

  let member: SquadMember | undefined;
  let matchedBy: HandoffMatch | undefined;
  if (asked) {
    member = byName(asked);
    if (!member) {
      const shown = deskToShow(asked);
      return {
        kind: "refused",
        why: "unknown-desk",
        ...(shown ? { asked: shown } : {}),
        message: `${shown ? `No desk is called "${shown}".` : "That is not one of the desks."} The desks are: ${describeDesks(candidates)}.`,
      };
    }
    matchedBy = "desk";
  }
  if (!member && byName(request.state.department)) {
    member = byName(request.state.department);
    matchedBy = "state";
  }
  if (!member) {
    member = byReason(request.reason);
    if (member) matchedBy = "reason";
  }
  if (!member) {
    const text = ` ${request.recentCallerText.toLowerCase().replace(/[^a-z0-9]+/g, " ")} `;
    member = candidates.find((m) => m.keywords?.some((k) => text.includes(` ${k.toLowerCase()} `)));
    if (member) matchedBy = "keyword";
  }
  if (!member) {
    member = byReason(request.state.reason);
    if (member) matchedBy = "reason";
  }
  if (!member || !matchedBy) return { kind: "refused", why: "unclear", message: squad.unclearMessage };

  if (from && member.name === from.name) {
    return {
      kind: "refused",
      why: "same-member",
      asked: member.name,
      message: `The caller is already with the ${member.name} desk: keep helping them.`,
    };
  }
  if (from && !handoffTargets(squad, from).some((m) => m.name === member.name)) {
    return {
      kind: "refused",
      why: "not-allowed",
      asked: member.name,
      message: `The ${from.name} desk cannot hand callers to ${member.name}. It can hand them to: ${describeDesks(handoffTargets(squad, from))}.`,
    };
  }
  if (member.hours === "business" && !isOpen(settings.businessHours, settings.timeZone, now)) {
    // The afterHours member takes the call only where the speaking member could hand it anyway.
    const instead = candidates.find((m) => m.name === member.afterHours);
    if (instead) return { kind: "handoff", member: instead, matchedBy, closedMember: member.name };
    return { kind: "refused", why: "closed", asked: member.name, message: member.closedMessage ?? squad.closedMessage };
  }
  return { kind: "handoff", member, matchedBy };
}

/** Longest unknown desk name said back to the model. */
const MAX_SHOWN_DESK = 40;

/**
 * An unknown desk as the refusal may repeat it: a short name of letters and spaces, redacted;
 * anything else (long, digits, punctuation, new lines: what the model put there may be the caller's
 * card number or an injected instruction) is not repeated at all.
 */
function deskToShow(asked: string): string | undefined {
  if (asked.length > MAX_SHOWN_DESK * 2) return undefined;
  const plain = asked.replace(/\s+/g, " ").trim();
  if (plain.length > MAX_SHOWN_DESK || !/^[\p{L}'’ -]+$/u.test(plain)) return undefined;
  const redacted = redactPersonalData(plain);
  return redacted === plain ? plain : undefined;
}

function describeDesks(members: readonly SquadMember[]): string {
  return members.map((m) => `${m.name} (${m.description})`).join("; ") || "none";
}

/** What the next member is told: who had the caller, what was said, what the call's state holds. */
export interface HandoffContextValues {
  from: string | undefined;
  reason: string | undefined;
  /** Already redacted. */
  summary: string;
  /** Sentences about the call's state (failed tool calls, a requested department). */
  state: readonly string[];
  closedMember?: string | undefined;
}

/** The variable values the next member's prompt reads (`{{ handoffNote }}`) and Vapi keeps for the rest of the call. */
export function handoffVariables(context: HandoffContextValues): Record<string, string> {
  const note = [
    context.from ? `The caller was with the ${context.from} desk.` : "",
    context.closedMember ? `They asked for the ${context.closedMember} desk, which is closed now: say so, and help them as you can.` : "",
    context.summary ? `What they said and want: ${context.summary}` : "",
    context.reason ? `Reason for the handoff: ${context.reason}.` : "",
    ...context.state,
  ]
    .filter(Boolean)
    .join(" ");
  // Vapi renders Liquid in variable values: what the model or the caller wrote must stay text.
  return {
    handoffFrom: inertText(context.from ?? ""),
    handoffReason: inertText(context.reason ?? ""),
    handoffSummary: inertText(context.summary),
    [HANDOFF_NOTE_VARIABLE]: inertText(note),
  };
}

/** Vapi's answer for a decided handoff: the member by name, with its context, or `{ destination: {}, error }`. */
export function handoffAnswer(
  config: AssistantConfig,
  squad: SquadConfig,
  decision: SquadHandoffDecision,
  variables: Record<string, string>,
): Vapi.ServerMessageResponseHandoffDestinationRequest {
  if (decision.kind === "refused") return { destination: {}, error: decision.message };
  const destination: Vapi.HandoffDestinationAssistant = {
    type: "assistant",
    assistantName: memberAssistantName(config, decision.member),
    contextEngineeringPlan: (squad.context ?? DEFAULT_HANDOFF_CONTEXT) as Vapi.HandoffDestinationAssistantContextEngineeringPlan,
    assistantOverrides: { variableValues: variables },
  };
  return {
    destination: destination as unknown as Record<string, unknown>,
    result: `The caller is now with the ${decision.member.name} desk.`,
  };
}
