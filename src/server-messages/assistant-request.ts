/**
 * The answer to `assistant-request` (and `GET /vapi/assistant`, which shows it for review):
 * the preset for this call, personalized with the caller's profile if it arrives within
 * PERSONALIZATION_BUDGET_MS, else un-personalized.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import defaultAssistantConfig from "../../assistant.config.ts";
import { buildAssistant, variableValuesFor } from "../assistant/build.ts";
import { type CallerProfileContributor, loadCallerProfile, type ProfileLookup } from "../assistant/caller-profile.ts";
import { callerProfileContributors } from "../assistant/contributors/index.ts";
import type { AssistantConfig, PresetName } from "../assistant/define.ts";
import type { AppDeps } from "../deps.ts";
import type { ServerTarget } from "../vapi/server-target.ts";

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
  preset: PresetName;
  personalization: Omit<ProfileLookup, "profile"> & { personalized: boolean };
}

export async function answerAssistantRequest(
  deps: AppDeps,
  call: { callerNumber: string | undefined; phoneNumberId: string | undefined },
  target: ServerTarget,
  explicitPreset?: PresetName,
): Promise<AssistantAnswer> {
  const { config, contributors } = assistantSetup(deps);
  const c = deps.config;
  const preset = presetFor(deps, call.phoneNumberId, explicitPreset);
  const lookup = await loadCallerProfile(
    {
      db: deps.db,
      cache: deps.cache,
      logger: deps.logger,
      clock: deps.clock,
      timeZone: c.BUSINESS_TIMEZONE,
      memoryTtlMs: c.CALLER_PROFILE_TTL_SECONDS * 1000,
    },
    call.callerNumber,
    { budgetMs: c.PERSONALIZATION_BUDGET_MS, ttlMs: c.CALLER_PROFILE_TTL_SECONDS * 1000, contributors },
  );
  const settings = {
    config,
    preset,
    tools: deps.registry.list(),
    target,
    businessName: c.BUSINESS_NAME,
    timeZone: c.BUSINESS_TIMEZONE,
    defaultBudgetMs: c.TOOL_BUDGET_MS,
  };
  const variableValues = variableValuesFor(settings, lookup.profile);
  const response: Vapi.ServerMessageResponseAssistantRequest = c.VAPI_ASSISTANT_ID
    ? { assistantId: c.VAPI_ASSISTANT_ID, assistantOverrides: { variableValues } }
    : { assistant: buildAssistant(settings, { kind: "profile", profile: lookup.profile }), assistantOverrides: { variableValues } };
  const { profile, ...rest } = lookup;
  return { response, preset, personalization: { ...rest, personalized: profile !== undefined && Object.keys(profile).length > 0 } };
}
