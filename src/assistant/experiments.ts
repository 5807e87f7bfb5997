/**
 * Experiments: inbound calls that would be served one preset (`control`) are split with another
 * (`treatment`) by a percentage, sticky per caller: the arm is a hash of the experiment's name and
 * the caller's number, so a caller hears the same turn-taking on every call, and no state is kept.
 * The served assistant's metadata names the experiment and the arm, and the end-of-call report
 * brings them back to `call_latencies`, where the latency report compares the arms.
 */
import { type EndpointingBounds, type EndpointingConfig, endpointingProblems } from "./endpointing.ts";

export type { EndpointingBounds, EndpointingConfig };

/** One experiment between two presets (names checked against `presets`). */
export interface ExperimentConfig {
  /** Named in the call's latency record and in the report (lower-case letters, digits, dashes). */
  name: string;
  /** The preset whose calls take part: calls routed to it are split. */
  control: string;
  /** The preset the treatment arm is served instead. */
  treatment: string;
  /** Share of callers, 0 to 100, served `treatment`. */
  treatmentPercent: number;
}

export interface ExperimentArm {
  experiment: string;
  /** The preset served: the arm's name in reports. */
  preset: string;
}

/**
 * The arm a call takes, or undefined when no experiment covers `preset` or the caller's number
 * is unknown (a withheld number cannot be kept in one arm). The first matching experiment wins.
 */
export function experimentArm(
  experiments: readonly ExperimentConfig[] | undefined,
  preset: string,
  callerNumber: string | undefined,
): ExperimentArm | undefined {
  if (!callerNumber) return undefined;
  const experiment = experiments?.find((e) => e.control === preset);
  if (!experiment) return undefined;
  const treated = bucketOf(`${experiment.name}:${callerNumber}`) < experiment.treatmentPercent;
  return { experiment: experiment.name, preset: treated ? experiment.treatment : experiment.control };
}

/** 0 to 99 from a 32-bit FNV-1a hash: stable across processes, runtimes and restarts. */
export function bucketOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) % 100;
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** What is wrong with the experiments, one sentence each (empty: nothing). */
export function experimentProblems(experiments: readonly ExperimentConfig[] | undefined, presets: readonly string[]): string[] {
  const problems: string[] = [];
  const controls = new Set<string>();
  for (const [i, e] of (experiments ?? []).entries()) {
    const at = `experiments[${i}] (${e.name})`;
    if (!NAME.test(e.name)) problems.push(`${at}: name must be lower-case letters, digits and dashes, at most 40`);
    for (const preset of [e.control, e.treatment]) if (!presets.includes(preset)) problems.push(`${at}: unknown preset "${preset}"`);
    if (e.control === e.treatment) problems.push(`${at}: control and treatment are the same preset`);
    if (controls.has(e.control)) problems.push(`${at}: another experiment already splits "${e.control}"`);
    controls.add(e.control);
    if (!(e.treatmentPercent >= 0 && e.treatmentPercent <= 100)) problems.push(`${at}: treatmentPercent must be from 0 to 100`);
  }
  return problems;
}

/** What is wrong with adaptive endpointing's rules and bounds and with the experiments, one sentence each. */
export function turnTakingProblems(config: {
  endpointing?: EndpointingConfig | undefined;
  experiments?: readonly ExperimentConfig[] | undefined;
  presets: Record<string, { adaptiveEndpointing?: EndpointingBounds | undefined }>;
}): string[] {
  return [
    ...endpointingProblems(config.endpointing, config.presets),
    ...experimentProblems(config.experiments, Object.keys(config.presets)),
  ];
}
