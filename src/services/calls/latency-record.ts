/**
 * The latency part of an end-of-call report (`artifact.performanceMetrics`): per-turn stage
 * latencies and interruptions, with the labels they are compared by. Numbers and short labels
 * only, so nothing here needs redacting; labels are bounded by the configuration. Vapi's fields: the SDK's `PerformanceMetrics` and
 * `TurnLatency` (milliseconds).
 */
import { z } from "zod";

/** The stages of a turn Vapi measures, as stored and reported. */
export const STAGES = ["transcriber", "endpointing", "model", "voice", "turn"] as const;
export type Stage = (typeof STAGES)[number];

/** One turn's latencies in milliseconds; a stage Vapi did not report is absent. */
export type TurnLatencies = Partial<Record<Stage, number>>;

export interface LatencyRecord {
  preset?: string | undefined;
  /** How turns ended: `adaptive` (this server decided), `transcription`, `livekit`, `vapi`. */
  endpointingMode?: string | undefined;
  experiment?: string | undefined;
  arm?: string | undefined;
  turns: TurnLatencies[];
  userInterrupted: number;
  assistantInterrupted: number;
  /** The call ended in a transfer to a person. */
  transferred: boolean;
}

/** Labels the call was served with, when the report does not carry them (an assistant by id). */
export interface LatencyLabels {
  preset?: string | undefined;
  endpointingMode?: string | undefined;
}

/** A configured experiment, as far as a report's labels are checked against it: its name and its two arms (presets). */
export interface KnownExperiment {
  name: string;
  control: string;
  treatment: string;
}

/** A report has at most this many turns stored: far more than a 20-minute call has. */
export const MAX_TURNS = 1000;
const MAX_LABEL = 64;

const ms = z.number().finite().min(0).max(600_000).optional().catch(undefined);
const count = z.number().int().min(0).max(100_000).optional().catch(undefined);
const label = z.string().max(MAX_LABEL).optional().catch(undefined);

const metricsSchema = z.looseObject({
  turnLatencies: z
    .array(
      z.looseObject({ transcriberLatency: ms, endpointingLatency: ms, modelLatency: ms, voiceLatency: ms, turnLatency: ms }).catch({
        transcriberLatency: undefined,
        endpointingLatency: undefined,
        modelLatency: undefined,
        voiceLatency: undefined,
        turnLatency: undefined,
      }),
    )
    .optional()
    .catch(undefined),
  numUserInterrupted: count,
  numAssistantInterrupted: count,
});

const assistantSchema = z
  .looseObject({
    metadata: z.looseObject({ preset: label, experiment: label, arm: label }).optional().catch(undefined),
    startSpeakingPlan: z
      .looseObject({ smartEndpointingPlan: z.looseObject({ provider: label }).optional().catch(undefined) })
      .optional()
      .catch(undefined),
  })
  .optional()
  .catch(undefined);

/** Vapi's `endedReason` values for a call handed to a person. */
const TRANSFERRED = /forwarded|transferred|transfer/i;

/**
 * The latency record of an end-of-call report, or undefined when it has no performance metrics.
 * Labels come from the served assistant in the report (its metadata, its endpointing plan), else
 * from `fallback` (the preset the call's number is served). The experiment and arm are kept only
 * when they name one of `experiments` and one of its arms: the report's payload is not trusted
 * to invent them (each new name would be a new row of the latency report, and the names are
 * printed to an operator's terminal). Never throws.
 */
export function latencyRecord(
  message: Record<string, unknown>,
  fallback: LatencyLabels,
  experiments: readonly KnownExperiment[] = [],
): LatencyRecord | undefined {
  const artifact = message.artifact as { performanceMetrics?: unknown } | undefined;
  const parsed = metricsSchema.safeParse(typeof artifact === "object" && artifact !== null ? artifact.performanceMetrics : undefined);
  if (!parsed.success) return undefined;
  const metrics = parsed.data;
  const assistant = assistantSchema.parse(message.assistant);
  const provider = assistant?.startSpeakingPlan?.smartEndpointingPlan?.provider;
  const turns = (metrics.turnLatencies ?? []).slice(0, MAX_TURNS).map((t) =>
    dropUndefined({
      transcriber: t.transcriberLatency,
      endpointing: t.endpointingLatency,
      model: t.modelLatency,
      voice: t.voiceLatency,
      turn: t.turnLatency,
    }),
  );
  const endedReason = typeof message.endedReason === "string" ? message.endedReason : "";
  const arm = configuredArm(experiments, assistant?.metadata?.experiment, assistant?.metadata?.arm);
  return {
    preset: assistant?.metadata?.preset ?? fallback.preset,
    endpointingMode: assistant ? modeOf(provider) : fallback.endpointingMode,
    experiment: arm?.experiment,
    arm: arm?.arm,
    turns,
    userInterrupted: metrics.numUserInterrupted ?? 0,
    assistantInterrupted: metrics.numAssistantInterrupted ?? 0,
    transferred: TRANSFERRED.test(endedReason),
  };
}

/** The experiment and arm when both are configured (the arm one of the experiment's two presets), else none. */
function configuredArm(experiments: readonly KnownExperiment[], experiment: string | undefined, arm: string | undefined) {
  const known = experiments.find((e) => e.name === experiment);
  if (!known || arm === undefined || (arm !== known.control && arm !== known.treatment)) return undefined;
  return { experiment: known.name, arm };
}

/** The endpointing mode named by a smart endpointing provider (none: the transcription plan). */
export function modeOf(provider: string | undefined): string {
  if (provider === undefined) return "transcription";
  return provider === "custom-endpointing-model" ? "adaptive" : provider;
}

function dropUndefined(turn: Record<Stage, number | undefined>): TurnLatencies {
  const out: TurnLatencies = {};
  for (const stage of STAGES) if (turn[stage] !== undefined) out[stage] = turn[stage];
  return out;
}
