/**
 * Squads as Vapi receives them: each member an assistant on its own preset with its own subset
 * of tools, plus one dynamic handoff tool. A handoff does not name its target assistant in the
 * configuration Vapi holds: Vapi asks this server (`handoff-destination-request`), which picks
 * the member by the squad's rules (src/assistant/squad-handoff.ts) and carries the context.
 * Served transient on assistant-request, or stored by `npm run vapi -- apply --squad <name>`.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { ToolDefinition } from "../tools/define-tool.ts";
import { serverFieldFor } from "../vapi/server-target.ts";
import { type BuildSettings, composeAssistant, type Personalization } from "./build.ts";
import type { AssistantConfig, AssistantDto, HandoffContext, SquadConfig, SquadMember } from "./define.ts";

/** The function the model calls to hand the caller to another member. */
export const HANDOFF_FUNCTION = "handoff_to_desk";
/**
 * How long Vapi waits for this server's handoff decision: the rules run in memory and read the
 * call's state once (a cache read), so a few hundred milliseconds cover it with room for the network.
 */
export const HANDOFF_BUDGET_MS = 500;
/** What the next member sees by default: the conversation, without the previous member's tool internals. */
export const DEFAULT_HANDOFF_CONTEXT: HandoffContext = { type: "userAndAssistantMessages" };
/** The Liquid placeholder a member's prompt reads the handoff context from (set by the handoff answer). */
export const HANDOFF_NOTE_VARIABLE = "handoffNote";

/** Vapi's name of a member's assistant, e.g. "Switchboard billing" (what a handoff names as `assistantName`). */
export function memberAssistantName(config: AssistantConfig, member: SquadMember): string {
  return `${config.name} ${member.name}`;
}

/** Vapi's name of a squad, e.g. "Switchboard frontDesk". */
export function squadName(config: AssistantConfig, name: string): string {
  return `${config.name} ${name}`;
}

/** The members a member may hand the caller to. */
export function handoffTargets(squad: SquadConfig, member: SquadMember): SquadMember[] {
  const allowed = member.handoffTo;
  return squad.members.filter((m) => m.name !== member.name && (allowed === undefined || allowed.includes(m.name)));
}

export interface SquadBuildSettings extends Omit<BuildSettings, "preset"> {
  squad: string;
}

/** The squad's members, each as a full assistant, for a transient squad on assistant-request. */
export function buildSquad(settings: SquadBuildSettings, personalization: Personalization): Vapi.CreateSquadDto {
  const squad = squadOf(settings.config, settings.squad);
  return {
    name: squadName(settings.config, settings.squad),
    members: squad.members.map((member) => ({ assistant: buildMember(settings, member, personalization) })),
  };
}

/**
 * One member's assistant. With `toolIds` (stored by sync) its function tools are referenced by id
 * and its prompt reads the caller's profile through variable values, like the stored preset.
 */
export function buildMember(
  settings: SquadBuildSettings,
  member: SquadMember,
  personalization: Personalization,
  toolIds?: readonly string[],
): AssistantDto {
  const squad = squadOf(settings.config, settings.squad);
  const tools = memberTools(settings.tools, member);
  const entry = squad.members[0]?.name === member.name;
  return composeAssistant(
    { ...settings, preset: member.preset },
    personalization,
    {
      name: memberAssistantName(settings.config, member),
      tools,
      extraTools: handoffTargets(squad, member).length > 0 ? [handoffTool(settings, squad, member)] : [],
      promptSuffix: memberPrompt(squad, member),
      // The first member greets; the others pick up where the conversation is.
      ...(entry ? {} : { firstMessageMode: "assistant-speaks-first-with-model-generated-message" as const }),
      extraServerMessages: ["handoff-destination-request", "transfer-update"],
      metadata: { squad: settings.squad, member: member.name },
    },
    toolIds,
  );
}

/** The member's own tools, in its configured order; names not in tools/ are left out (see `squadToolProblems`). */
export function memberTools(tools: readonly ToolDefinition[], member: SquadMember): ToolDefinition[] {
  const byName = new Map(tools.map((t) => [t.name, t]));
  return member.tools.flatMap((name) => {
    const tool = byName.get(name);
    return tool ? [tool] : [];
  });
}

/**
 * The handoff tool: one dynamic destination (this server decides), with the desk, a reason and a
 * summary of what was said as arguments. Vapi requires `destination` among the arguments; `dynamic`
 * is its only value here.
 */
export function handoffTool(
  settings: Pick<BuildSettings, "target">,
  squad: SquadConfig,
  member: SquadMember,
): Vapi.OpenAiModelToolsItem.Handoff {
  const targets = handoffTargets(squad, member);
  const options = targets.map((t) => `${t.name} (${t.description})`).join("; ");
  return {
    type: "handoff",
    ...(squad.handoffMessage ? { messages: [{ type: "request-start", content: squad.handoffMessage, blocking: false }] } : {}),
    destinations: [
      {
        type: "dynamic",
        description: `another desk of this business: ${options}`,
        ...serverFieldFor(settings.target, { kind: "tool", budgetMs: HANDOFF_BUDGET_MS }),
      },
    ],
    function: {
      name: HANDOFF_FUNCTION,
      description: `Hands the caller to another desk of this business when they need what it handles. Desks: ${options}. Do not mention the handoff itself to the caller.`,
      parameters: {
        type: "object",
        properties: {
          destination: { type: "string", enum: ["dynamic"], description: "Always dynamic." },
          desk: { type: "string", enum: targets.map((t) => t.name), description: `The desk the caller needs. Options: ${options}.` },
          reason: { type: "string", description: "Why, in a few words." },
          summary: {
            type: "string",
            description: "What the caller said and wants, in one or two sentences, so the next desk does not ask again.",
          },
        },
        required: ["destination", "desk", "summary"],
      },
    },
  } as Vapi.OpenAiModelToolsItem.Handoff;
}

function memberPrompt(squad: SquadConfig, member: SquadMember): string {
  const targets = handoffTargets(squad, member);
  return [
    `You are the ${member.name} desk of this business's phone team. ${member.instructions}`,
    targets.length > 0
      ? `Other desks: ${targets.map((t) => `${t.name}: ${t.description}`).join("; ")}. When the caller needs one of them, call ${HANDOFF_FUNCTION} with the desk and a short summary of what the caller said and wants.`
      : "",
    `Handed over to you: {{ ${HANDOFF_NOTE_VARIABLE} | default: "nothing, you are the first to answer this call" }}`,
  ]
    .filter(Boolean)
    .join("\n");
}

/** The squad of that name; throws naming the squads that exist (a routing rule is checked at load, so this is a bug). */
export function squadOf(config: AssistantConfig, name: string): SquadConfig {
  const squad = Object.hasOwn(config.squads ?? {}, name) ? config.squads?.[name] : undefined;
  if (!squad)
    throw new Error(`No squad "${name}" in assistant.config.ts (squads: ${Object.keys(config.squads ?? {}).join(", ") || "none"})`);
  return squad;
}

/** A squad member as Vapi presents it in a message: the assistant's metadata, else its name. */
export interface SpeakingAssistant {
  metadata?: { squad?: unknown; member?: unknown; preset?: unknown } | undefined;
  name?: unknown;
}

/**
 * The squad (and member, when known) a message's assistant belongs to: by the metadata Switchboard
 * puts on every member, else by the member's assistant name. Only when the message names no
 * assistant: by the call's squad name, else the only squad there is. Undefined: the call is not
 * one of this configuration's squads (an assistant that is not one of its members, such as a preset
 * or another squad's assistant, is never taken for one).
 */
export function locateSquadMember(
  config: AssistantConfig,
  assistant: SpeakingAssistant | undefined,
  callSquadName?: unknown,
): { squadName: string; squad: SquadConfig; member: SquadMember | undefined } | undefined {
  const squads = Object.entries(config.squads ?? {});
  const meta = assistant?.metadata;
  if (typeof meta?.squad === "string" && Object.hasOwn(config.squads ?? {}, meta.squad)) {
    const squad = config.squads?.[meta.squad];
    if (squad) {
      return { squadName: meta.squad, squad, member: squad.members.find((m) => m.name === meta.member) };
    }
  }
  if (typeof assistant?.name === "string") {
    for (const [name, squad] of squads) {
      const member = squad.members.find((m) => memberAssistantName(config, m) === assistant.name);
      if (member) return { squadName: name, squad, member };
    }
  }
  // Another squad's assistant, a preset, or any assistant that is not a member: in no squad here.
  if (assistant && (meta || assistant.name !== undefined)) return undefined;
  const byCall = squads.find(([name]) => squadName(config, name) === callSquadName);
  if (byCall) return { squadName: byCall[0], squad: byCall[1], member: undefined };
  if (squads.length === 1) return { squadName: squads[0]![0], squad: squads[0]![1], member: undefined };
  return undefined;
}
