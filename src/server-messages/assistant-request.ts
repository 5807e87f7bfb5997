/**
 * The answer to `assistant-request` (and `GET /vapi/assistant`, which shows it for review):
 * screening and routing first (route-call.ts: reject with a spoken error, forward to a person,
 * or pick a preset or a squad), then the preset's assistant or the squad, personalized with the
 * caller's profile if it arrives within PERSONALIZATION_BUDGET_MS, else un-personalized; the
 * assistant and every squad member with the custom knowledge base when it has documents
 * (./knowledge-base-request.ts).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import defaultAssistantConfig from "../../assistant.config.ts";
import { buildAssistant, variableValuesFor } from "../assistant/build.ts";
import { type CallerProfileContributor, loadCallerProfile, type ProfileLookup } from "../assistant/caller-profile.ts";
import { callerProfileContributors } from "../assistant/contributors/index.ts";
import { type AssistantConfig, type PresetName, squadToolProblems } from "../assistant/define.ts";
import { experimentArm } from "../assistant/experiments.ts";
import { transferTo } from "../assistant/handoff.ts";
import type { RouteDecision } from "../assistant/routing.ts";
import { buildSquad, squadOf } from "../assistant/squad.ts";
import type { AppDeps } from "../deps.ts";
import { entryMemberWriter } from "../services/entry-member-writes.ts";
import { callFacts, type VapiMessage } from "../vapi/envelope.ts";
import type { ServerTarget } from "../vapi/server-target.ts";
import { knowledgeBaseInUse } from "./knowledge-base-request.ts";
import { type IncomingCall, routeIncomingCall } from "./route-call.ts";

/** The assistant configuration and profile sources of an app: injected, or the project's own. */
export function assistantSetup(deps: AppDeps): { config: AssistantConfig; contributors: readonly CallerProfileContributor[] } {
  return { config: deps.assistant ?? defaultAssistantConfig, contributors: deps.profileContributors ?? callerProfileContributors };
}

/** Which preset a call gets: an explicit choice, else the phone number's, else ASSISTANT_PRESET, else the config's default. */
export function presetFor(deps: AppDeps, phoneNumberId: string | undefined, explicit?: PresetName): PresetName {
  const { config } = assistantSetup(deps);
  return (
    explicit ??
    (phoneNumberId ? config.presetByPhoneNumberId?.[phoneNumberId] : undefined) ??
    deps.config.ASSISTANT_PRESET ??
    config.defaultPreset
  );
}

export interface AssistantAnswer {
  response: Vapi.ServerMessageResponseAssistantRequest;
  /** The preset served (a squad's first member's); undefined when the call was rejected or forwarded. */
  preset: PresetName | undefined;
  /** What routing decided and by which rule (`explicit` for a preview of a named preset). */
  route: RouteDecision;
  personalization: Omit<ProfileLookup, "profile"> & { personalized: boolean };
  /** The experiment and arm the call was served in, when it is in one. */
  experiment?: { experiment: string; preset: string };
}

const NOT_LOOKED_UP = { source: "none", elapsedMs: 0, personalized: false } as const;

/**
 * The answer for an incoming call. `explicitPreset` (a preview of one preset) skips screening and
 * routing. A call id counts the call for the rate limit; a preview without one counts nothing.
 */
export async function answerAssistantRequest(
  deps: AppDeps,
  call: AssistantRequestCall,
  target: ServerTarget,
  explicitPreset?: PresetName,
): Promise<AssistantAnswer> {
  const { config, contributors } = assistantSetup(deps);
  const c = deps.config;
  const route: RouteDecision = explicitPreset
    ? { action: "assistant", rule: "explicit", preset: explicitPreset }
    : (await routeIncomingCall(deps, config, call)).decision;
  if (route.action === "reject") return { response: { error: route.message }, preset: undefined, route, personalization: NOT_LOOKED_UP };
  if (route.action === "forward") {
    const destination = transferTo(route.destination, route.message).destination as Vapi.ServerMessageResponseAssistantRequestDestination;
    return { response: { destination }, preset: undefined, route, personalization: NOT_LOOKED_UP };
  }

  // Looked up alongside the caller's profile, within the same budget. A stored assistant names the
  // knowledge base or not as `npm run vapi -- apply` stored it (overrides cannot add it alone).
  const knowledgeBase =
    c.VAPI_ASSISTANT_ID && route.action !== "squad"
      ? Promise.resolve(false)
      : knowledgeBaseInUse(deps, target, c.PERSONALIZATION_BUDGET_MS);
  const lookup = await loadCallerProfile(
    {
      db: deps.db,
      cache: deps.cache,
      logger: deps.logger,
      clock: deps.clock,
      timeZone: c.BUSINESS_TIMEZONE,
      memoryTtlMs: c.durations.callerProfileTtlMs,
    },
    call.callerNumber,
    { budgetMs: c.PERSONALIZATION_BUDGET_MS, ttlMs: c.durations.callerProfileTtlMs, contributors, defer: deps.defer },
  );
  const { profile, ...rest } = lookup;
  const personalization = { ...rest, personalized: profile !== undefined && Object.keys(profile).length > 0 };
  const common = {
    config,
    tools: deps.registry.list(),
    target,
    businessName: c.BUSINESS_NAME,
    timeZone: c.BUSINESS_TIMEZONE,
    defaultBudgetMs: c.TOOL_BUDGET_MS,
    structuredOutputIds: c.VAPI_STRUCTURED_OUTPUT_IDS,
    knowledgeBase: await knowledgeBase,
  };
  const variableValues = variableValuesFor(common, lookup.profile);

  if (route.action === "squad") {
    warnOfMissingTools(deps, config, common.tools);
    const entry = squadOf(config, route.squad).members[0]!;
    const squad = buildSquad({ ...common, squad: route.squad }, { kind: "profile", profile: lookup.profile });
    if (call.callId) {
      // Written in batches after the answer; waits only when too many rows already wait (entry-member-writes.ts).
      const record = {
        callId: call.callId,
        squad: route.squad,
        member: entry.name,
        via: "entry" as const,
        at: call.at ?? deps.clock.now(),
      };
      await entryMemberWriter(deps).add(record, call.callerNumber);
    }
    // squadOverrides reach every member: the profile for stored prompts, the greeting for the first.
    return { response: { squad, squadOverrides: { variableValues } }, preset: entry.preset, route, personalization };
  }

  if (c.VAPI_ASSISTANT_ID) {
    // One stored assistant: its preset is fixed in Vapi, so no experiment can split it.
    const response = { assistantId: c.VAPI_ASSISTANT_ID, assistantOverrides: { variableValues } };
    return { response, preset: route.preset, route, personalization };
  }
  // A preview of a named preset is that preset; a call may be in an experiment's arm.
  const arm = route.rule === "explicit" ? undefined : experimentArm(config.experiments, route.preset, call.callerNumber);
  const preset = (arm?.preset ?? route.preset) as PresetName;
  const metadata = arm ? { experiment: arm.experiment, arm: arm.preset } : undefined;
  const settings = { ...common, preset, ...(metadata ? { metadata } : {}) };
  const response = {
    assistant: buildAssistant(settings, { kind: "profile", profile: lookup.profile }),
    assistantOverrides: { variableValues },
  };
  return { response, preset, route, personalization, ...(arm ? { experiment: arm } : {}) };
}

/** Apps (by their tool registry) whose squads were checked against their tools: one error per app, not one per call. */
const checkedApps = new WeakSet<object>();

/** A member naming a tool that is not in tools/ is served without it; say so once, loudly. */
function warnOfMissingTools(deps: AppDeps, config: AssistantConfig, tools: readonly { name: string }[]) {
  if (checkedApps.has(deps.registry)) return;
  checkedApps.add(deps.registry);
  const names = tools.map((t) => t.name);
  const problems = squadToolProblems(config, names);
  if (problems.length > 0) deps.logger.error("squad members name tools that do not exist; they are served without them", { problems });
}

/** An incoming call, with Vapi's time of the request (the squad's entry member is recorded at it). */
export interface AssistantRequestCall extends IncomingCall {
  at?: Date | undefined;
}

/** The facts of an assistant-request that screening, routing and the squad's call record read. */
export function incomingCall(message: VapiMessage): AssistantRequestCall {
  const facts = callFacts(message);
  const call = message.call as (Record<string, unknown> & { customer?: Record<string, unknown> }) | undefined;
  const customer = call?.customer ?? (message.customer as Record<string, unknown> | undefined);
  return {
    callId: facts.callId,
    callerNumber: facts.callerNumber,
    phoneNumberId: facts.phoneNumberId,
    callType: typeof call?.type === "string" ? call.type : undefined,
    sipCaller: typeof customer?.sipUri === "string" && customer.sipUri !== "",
    at: facts.timestampMs === undefined ? undefined : new Date(facts.timestampMs),
  };
}
