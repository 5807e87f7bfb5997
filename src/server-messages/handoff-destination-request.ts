/**
 * `handoff-destination-request`: a squad member's model called the handoff tool, and Vapi asks
 * which member takes the caller. Decided by the squad's rules (src/assistant/squad-handoff.ts)
 * from the model's arguments, the call's state and the caller's words; the next member gets a
 * note of what was said and what the call's state holds, and the call record notes the member.
 * A call that is not one of this configuration's squads is declined in words that stay true.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { readTransferRequest, transferAvailability } from "../assistant/handoff.ts";
import { locateSquadMember } from "../assistant/squad.ts";
import { decideSquadHandoff, handoffAnswer, handoffVariables } from "../assistant/squad-handoff.ts";
import type { AppDeps } from "../deps.ts";
import { redactPersonalData } from "../lib/redaction.ts";
import { recordCallMember } from "../services/call-members.ts";
import { CALL_STATE_KEYS, createCallState } from "../services/call-state.ts";
import { callFacts, type VapiMessage } from "../vapi/envelope.ts";
import { assistantSetup } from "./assistant-request.ts";

export const HANDOFF_DECLINED = "Sorry, I can't pass this call to another assistant, but I'm happy to keep helping you myself.";
export const HANDOFF_DECLINED_TRANSFER =
  "Sorry, I can't pass this call to another assistant. I can keep helping you myself, or connect you with a person if you'd like.";
/** What the model is given when the decision failed on our side. */
export const HANDOFF_FALLBACK =
  "The handoff could not be made just now because of a problem on our side. Keep helping the caller yourself.";

/** How long the answer waits for the member record before going out (the record then finishes in the background). */
const RECORD_WAIT_MS = 300;
/** Longest summary carried to the next member. */
const MAX_SUMMARY_CHARS = 600;

type Body = Vapi.ServerMessageResponseHandoffDestinationRequest;

/** The answer: `{ destination, result }` naming the next member, or `{ destination: {}, error }` for the model to relay. */
export async function answerHandoffDestinationRequest(deps: AppDeps, message: VapiMessage): Promise<Record<string, unknown>> {
  return { ...(await decide(deps, message)) };
}

async function decide(deps: AppDeps, message: VapiMessage): Promise<Body> {
  const { config } = assistantSetup(deps);
  const facts = callFacts(message);
  const assistant = record(message.assistant);
  const located = locateSquadMember(
    config,
    assistant ? { metadata: record(assistant.metadata), name: assistant.name } : undefined,
    record(record(message.call)?.squad)?.name,
  );
  if (!located) {
    // Not a squad of this configuration: Vapi's handoff destinations are assistants, so decline.
    const configured = transferAvailability({ handoff: config.handoff, fallbackDestination: deps.config.TRANSFER_NUMBER }).configured;
    deps.logger.info("handoff declined: the call is not one of this configuration's squads", { callId: facts.callId });
    deps.metrics.routingDecision?.("handoff-destination-request", "refused", "not-a-squad");
    return { destination: {}, error: configured ? HANDOFF_DECLINED_TRANSFER : HANDOFF_DECLINED };
  }

  const parameters = record(message.parameters) ?? {};
  const state = createCallState(deps.cache, facts.callId, deps.config.durations.callStateTtlMs, deps.logger);
  const [wanted, failures] = await Promise.all([
    state.get<{ department?: string; reason?: string }>(CALL_STATE_KEYS.handoff),
    state.get<number>(CALL_STATE_KEYS.toolFailures),
  ]);
  // The desk as the model named it; an assistant name ("Switchboard billing") names its member.
  const prefix = `${config.name} `.toLowerCase();
  const named = [text(parameters.desk), text(parameters.department), text(parameters.destination)].find(
    (d) => d !== undefined && d.toLowerCase() !== "dynamic",
  );
  const desk = named?.toLowerCase().startsWith(prefix) ? named.slice(prefix.length) : named;
  const recentCallerText = readTransferRequest(message).recentCallerText;
  const decision = decideSquadHandoff(
    { squad: located.squad, businessHours: config.businessHours, timeZone: deps.config.BUSINESS_TIMEZONE },
    {
      from: located.member?.name,
      desk,
      reason: text(parameters.reason),
      state: { department: wanted?.department, reason: wanted?.reason },
      recentCallerText,
    },
    deps.clock.now(),
  );

  const from = located.member?.name;
  if (decision.kind === "refused") {
    deps.metrics.routingDecision?.("handoff-destination-request", "refused", decision.why);
    deps.logger.info("handoff refused", { callId: facts.callId, squad: located.squadName, from, why: decision.why, asked: decision.asked });
    return handoffAnswer(config, located.squad, decision, {});
  }

  // Cut before redacting (a huge summary costs bounded work), with room after the kept part so a
  // card number across the cut is still seen whole; made inert against Liquid in handoffVariables.
  const redact = (value: string) =>
    redactPersonalData(value.slice(0, 4 * MAX_SUMMARY_CHARS), { callerNumber: facts.callerNumber }).slice(0, MAX_SUMMARY_CHARS);
  const reason = text(parameters.reason) ?? wanted?.reason;
  const variables = handoffVariables({
    from,
    reason: reason ? redact(reason) : undefined,
    summary: redact(text(parameters.summary) ?? recentCallerText),
    state: failures && failures > 0 ? [`${failures} tool call${failures === 1 ? "" : "s"} failed on our side earlier in this call.`] : [],
    closedMember: decision.closedMember,
  });
  deps.metrics.routingDecision?.("handoff-destination-request", "handoff", decision.member.name);
  deps.logger.info("handoff decided", {
    callId: facts.callId,
    squad: located.squadName,
    from,
    to: decision.member.name,
    matchedBy: decision.matchedBy,
    ...(decision.closedMember ? { closedMember: decision.closedMember } : {}),
  });
  if (facts.callId) {
    await recordWithin(
      deps,
      recordCallMember(
        deps.db,
        {
          callId: facts.callId,
          squad: located.squadName,
          member: decision.member.name,
          via: "handoff",
          fromMember: from,
          reason: reason ?? `matched by ${decision.matchedBy}`,
          at: facts.timestampMs ? new Date(facts.timestampMs) : deps.clock.now(),
        },
        facts.callerNumber,
      ),
    );
  }
  return handoffAnswer(config, located.squad, decision, variables);
}

/**
 * `transfer-update`: Vapi reports that the call moved; when it moved to a squad member (a handoff
 * this server did not decide, such as a fixed destination), the member is recorded. Informational: `{}`.
 */
export async function recordTransferUpdate(deps: AppDeps, message: VapiMessage): Promise<Record<string, never>> {
  const facts = callFacts(message);
  const to = record(message.toAssistant);
  if (!facts.callId || !to) return {};
  const { config } = assistantSetup(deps);
  const located = locateSquadMember(config, { metadata: record(to.metadata), name: to.name });
  if (!located?.member) return {};
  const fromAssistant = record(message.fromAssistant);
  const from = fromAssistant
    ? locateSquadMember(config, { metadata: record(fromAssistant.metadata), name: fromAssistant.name })
    : undefined;
  await recordWithin(
    deps,
    recordCallMember(
      deps.db,
      {
        callId: facts.callId,
        squad: located.squadName,
        member: located.member.name,
        via: "handoff",
        fromMember: from?.member?.name,
        at: facts.timestampMs ? new Date(facts.timestampMs) : deps.clock.now(),
      },
      facts.callerNumber,
    ),
  );
  return {};
}

/** Waits a short while for a member record; past that the answer goes out and the write finishes in the background. */
async function recordWithin(deps: AppDeps, write: Promise<unknown>): Promise<void> {
  const logged = write.catch((err: unknown) => deps.logger.warn("squad member not recorded", { err }));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    logged.then(() => "done" as const),
    new Promise<"pending">((resolve) => {
      timer = setTimeout(() => resolve("pending"), RECORD_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (waited === "pending") deps.defer(logged, "squad member record");
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
