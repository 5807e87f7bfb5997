/**
 * A scripted call for the offline simulator (`npm run simulate`): the messages Vapi would send
 * during one call, in order, with what the caller says between them and what each tool call is
 * expected to answer. Scenarios are JSON files under `scenarios/`.
 */
import { z } from "zod";

const say = z.string().optional().describe("What the caller says before this step (printed, and kept for the transcript).");

const toolCall = z.object({
  name: z.string().min(1),
  /** Arguments as the model would send them. A string "{{last.a.b}}" takes that path from the previous tool result. */
  arguments: z.record(z.string(), z.unknown()).default({}),
  /** What the answer must be: a `result` or an `error`; `contains` must appear in it. */
  expect: z.enum(["result", "error"]).optional(),
  contains: z.string().optional(),
  /** Who the caller must hear after the answer, by Vapi's rules: the model's own answer, or fixed words. */
  heard: z.enum(["model", "words"]).optional(),
});

export const stepSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("assistant-request"),
    say,
    /** What the call must get: an assistant, a squad, a spoken rejection (`error`) or a forward to a person (`destination`). */
    expect: z.enum(["assistant", "squad", "error", "destination"]).optional(),
    /** Words the caller must hear (the greeting, the rejection, the forwarding message). */
    contains: z.string().optional(),
  }),
  z.object({ type: z.literal("status-update"), status: z.string(), endedReason: z.string().optional(), say }),
  z.object({ type: z.literal("tool-calls"), calls: z.array(toolCall).min(1), say }),
  z.object({
    type: z.literal("transfer-destination-request"),
    say,
    /** Expected destination (number or SIP URI), or "error" when the transfer must be refused. */
    expect: z.string().optional(),
  }),
  z.object({
    type: z.literal("handoff-destination-request"),
    say,
    /** The handoff tool's arguments, as the model would fill them. */
    desk: z.string().optional(),
    reason: z.string().optional(),
    summary: z.string().optional(),
    /** The member that must take the caller, or "error" when the handoff must be refused. */
    expect: z.string().optional(),
  }),
  z.object({
    type: z.literal("call.endpointing.request"),
    /** What the assistant said just before the caller's words (`say`), added to the conversation. */
    assistantSays: z.string().optional(),
    say,
    /** The preset whose rules decide; omitted: the served assistant's (or the squad member's). */
    preset: z.string().optional(),
    /** The wait the server must answer, in seconds. */
    expectSeconds: z.number().optional(),
    /** The rule that must decide (named by this checkout's assistant.config.ts). */
    expectRule: z.string().optional(),
  }),
  z.object({
    type: z.literal("campaign.predial"),
    say,
    /** The contact's number (default: the scenario's caller). */
    number: z.string().optional(),
    campaignId: z.string().default("sim-campaign"),
    /** Whether Vapi may dial the contact. */
    expect: z.enum(["eligible", "refused"]).optional(),
  }),
  z.object({
    type: z.literal("knowledge-base-request"),
    /** The caller's question: the knowledge base is searched with it. */
    say: z.string().min(1),
    /** Passages found, or none (the model answers on its own). */
    expect: z.enum(["documents", "none"]).optional(),
    /** Words the best passage must contain. */
    contains: z.string().optional(),
  }),
  z.object({
    type: z.literal("end-of-call-report"),
    endedReason: z.string().default("customer-ended-call"),
    summary: z.string().optional(),
    say,
  }),
]);

export const scenarioSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** The caller's number (E.164), as Vapi reports it. */
  caller: z.string().default("+15550100000"),
  /** The call's language, for tool messages with per-language `contents`. */
  language: z.string().default("en"),
  phoneNumberId: z.string().optional(),
  steps: z.array(stepSchema).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioStep = z.infer<typeof stepSchema>;

/** Parses a scenario, with a message naming the bad field. */
export function parseScenario(json: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
  throw new Error(`Invalid scenario ${source}:\n${issues}`);
}
