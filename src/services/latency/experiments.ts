/**
 * Experiments in the latency report: calls served in an experiment carry its name and their arm
 * (the preset) in `call_latencies`; each arm is compared on mean turn latency, interruptions,
 * call duration and transfers, per call, with a Mann-Whitney test that says when a difference is
 * not yet significant, sample sizes stated.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { MIN_SAMPLE, mannWhitney } from "./stats.ts";

/** A difference is called significant below this p-value. */
export const SIGNIFICANCE = 0.05;

export interface ArmSummary {
  arm: string;
  calls: number;
  turns: number;
}

export interface MetricComparison {
  name: "turn latency" | "interruptions" | "duration" | "transfers";
  /** Unit after the value: " ms", " per call", " s", "%". */
  unit: string;
  arms: { arm: string; value: number | null }[];
  /** Two-sided p-value of the first arm against the second; null: too few calls. */
  p: number | null;
  significant: boolean;
  /** One line: "significant (p = 0.003, 40 vs 38 calls)" or why not. */
  verdict: string;
}

export interface ExperimentComparison {
  experiment: string;
  arms: ArmSummary[];
  metrics: MetricComparison[];
}

interface CallSample {
  experiment: string;
  arm: string;
  turns: number;
  meanTurnMs: number | null;
  interruptions: number;
  durationSeconds: number | null;
  transferred: boolean;
}

/** Every experiment with calls in the window, its first two arms compared (arms by name). */
export async function compareExperiments(db: Database, where: { since: Date; until: Date }): Promise<ExperimentComparison[]> {
  const range: SQL = sql`c.ended_at >= ${where.since.toISOString()} and c.ended_at < ${where.until.toISOString()}`;
  const rows = await db.execute<Record<string, unknown>>(
    sql`select c.experiment, c.arm, c.turns, c.user_interrupted + c.assistant_interrupted as interruptions,
               c.duration_seconds, c.transferred,
               (select avg(t.turn_ms)::float8 from call_turn_latencies t where t.call_id = c.call_id) as mean_turn_ms
        from call_latencies c
        where ${range} and c.experiment is not null and c.arm is not null
        order by c.experiment, c.arm`,
  );
  const samples: CallSample[] = rows.map((r) => ({
    experiment: String(r.experiment),
    arm: String(r.arm),
    turns: Number(r.turns ?? 0),
    meanTurnMs: r.mean_turn_ms === null ? null : Number(r.mean_turn_ms),
    interruptions: Number(r.interruptions ?? 0),
    durationSeconds: r.duration_seconds === null ? null : Number(r.duration_seconds),
    transferred: r.transferred === true,
  }));
  const byExperiment = groupBy(samples, (s) => s.experiment);
  return [...byExperiment].map(([experiment, calls]) => compareArms(experiment, calls));
}

/** The comparison of one experiment's calls (the first two arms by name). */
export function compareArms(experiment: string, calls: readonly CallSample[]): ExperimentComparison {
  const arms = [...groupBy(calls, (c) => c.arm)].sort(([a], [b]) => a.localeCompare(b)).slice(0, 2);
  const summary = arms.map(([arm, cs]) => ({ arm, calls: cs.length, turns: cs.reduce((n, c) => n + c.turns, 0) }));
  const metric = (
    name: MetricComparison["name"],
    unit: string,
    value: (c: CallSample) => number | null,
    show: (values: number[]) => number,
  ): MetricComparison => {
    const values = arms.map(([, cs]) => cs.map(value).filter((v): v is number => v !== null));
    const shown = arms.map(([arm], i) => ({ arm, value: values[i]!.length > 0 ? show(values[i]!) : null }));
    const test = values.length === 2 ? mannWhitney(values[0]!, values[1]!) : { n1: values[0]?.length ?? 0, n2: 0, p: null };
    const significant = test.p !== null && test.p < SIGNIFICANCE;
    const sizes = `${test.n1} vs ${test.n2} calls`;
    const verdict =
      values.length < 2
        ? "one arm only: nothing to compare yet"
        : test.p === null
          ? `too few calls to test (${sizes}; at least ${MIN_SAMPLE} per arm)`
          : `${significant ? "significant" : "not yet significant"} (Mann-Whitney p = ${test.p.toFixed(3)}, ${sizes})`;
    return { name, unit, arms: shown, p: test.p, significant, verdict };
  };
  const mean = (vs: number[]) => Math.round((vs.reduce((a, b) => a + b, 0) / vs.length) * 10) / 10;
  return {
    experiment,
    arms: summary,
    metrics: [
      metric(
        "turn latency",
        " ms",
        (c) => c.meanTurnMs,
        (vs) => Math.round(mean(vs)),
      ),
      metric("interruptions", " per call", (c) => c.interruptions, mean),
      metric(
        "duration",
        " s",
        (c) => c.durationSeconds,
        (vs) => Math.round(mean(vs)),
      ),
      metric(
        "transfers",
        "%",
        (c) => (c.transferred ? 1 : 0),
        (vs) => Math.round(mean(vs) * 1000) / 10,
      ),
    ],
  };
}

/** `Map.groupBy` (ES2024, not in this project's TypeScript lib). */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
