/**
 * The latency report (`npm run latency`, `GET /api/latency`): per-stage p50/p95/p99 against the
 * turn's budget, the share of turns over 500 ms, interruptions per call and the slowest calls with
 * their worst stage, from the turns stored with end-of-call reports (call_turn_latencies).
 */
import { type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { STAGES, type Stage } from "../calls/latency-record.ts";

/**
 * Each stage's budget in a 500 ms turn (ms): the transcriber ~200, the model's first token ~150,
 * the voice's first audio ~150; endpointing is the silence waited on top, 300 ms by this budget.
 */
export const STAGE_BUDGETS_MS: Record<Stage, number> = { transcriber: 200, endpointing: 300, model: 150, voice: 150, turn: 500 };

export interface StageFigures {
  stage: Stage;
  budgetMs: number;
  /** Turns that reported this stage. */
  samples: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** Share of those turns over the budget (0 to 1). */
  overBudgetShare: number | null;
}

export interface SlowCall {
  callId: string;
  preset: string | null;
  endedAt: string;
  turns: number;
  /** The call's mean turn latency (ms). */
  meanTurnMs: number | null;
  /** The stage furthest over its budget on average in this call, with its mean. */
  worstStage: { stage: Stage; meanMs: number; budgetMs: number } | null;
}

export interface LatencyReport {
  since: string;
  until: string;
  preset: string | null;
  calls: number;
  turns: number;
  stages: StageFigures[];
  /** Share of turns over 500 ms (0 to 1); null without turns. */
  turnsOver500msShare: number | null;
  interruptionsPerCall: { user: number | null; assistant: number | null };
  slowestCalls: SlowCall[];
}

export interface ReportQuery {
  since: Date;
  until: Date;
  preset?: string | undefined;
  /** How many slowest calls to list (default 5). */
  slowest?: number;
}

const column: Record<Stage, string> = {
  transcriber: "transcriber_ms",
  endpointing: "endpointing_ms",
  model: "model_ms",
  voice: "voice_ms",
  turn: "turn_ms",
};

/** The report over calls that ended in [since, until), optionally for one preset. */
export async function latencyReport(db: Database, query: ReportQuery): Promise<LatencyReport> {
  const where = whereCalls(query);
  const perStage = STAGES.flatMap((s) => {
    const c = sql.raw(`t.${column[s]}`);
    return [
      sql`count(${c})::int as ${sql.raw(`${s}_n`)}`,
      sql`percentile_cont(0.5) within group (order by ${c}) as ${sql.raw(`${s}_p50`)}`,
      sql`percentile_cont(0.95) within group (order by ${c}) as ${sql.raw(`${s}_p95`)}`,
      sql`percentile_cont(0.99) within group (order by ${c}) as ${sql.raw(`${s}_p99`)}`,
      sql`count(*) filter (where ${c} > ${STAGE_BUDGETS_MS[s]})::int as ${sql.raw(`${s}_over`)}`,
    ];
  });
  const [turnRow] = await db.execute<Record<string, unknown>>(
    sql`select count(*)::int as turns, ${sql.join(perStage, sql`, `)}
        from call_turn_latencies t join call_latencies c on c.call_id = t.call_id where ${where}`,
  );
  const [callRow] = await db.execute<{ calls: number; user: number | null; assistant: number | null }>(
    sql`select count(*)::int as calls, avg(c.user_interrupted)::float8 as "user", avg(c.assistant_interrupted)::float8 as assistant
        from call_latencies c where ${where}`,
  );
  const slowRows = await db.execute<Record<string, unknown>>(
    sql`select c.call_id, c.preset, c.ended_at, c.turns, ${sql.join(
      STAGES.map((s) => sql`avg(${sql.raw(`t.${column[s]}`)})::float8 as ${sql.raw(s)}`),
      sql`, `,
    )}
        from call_latencies c join call_turn_latencies t on t.call_id = c.call_id where ${where}
        group by c.call_id, c.preset, c.ended_at, c.turns
        order by avg(t.turn_ms) desc nulls last, c.call_id limit ${query.slowest ?? 5}`,
  );

  const row = turnRow ?? {};
  const stages = STAGES.map((stage): StageFigures => {
    const samples = Number(row[`${stage}_n`] ?? 0);
    return {
      stage,
      budgetMs: STAGE_BUDGETS_MS[stage],
      samples,
      p50Ms: ms(row[`${stage}_p50`]),
      p95Ms: ms(row[`${stage}_p95`]),
      p99Ms: ms(row[`${stage}_p99`]),
      overBudgetShare: samples > 0 ? share(Number(row[`${stage}_over`]) / samples) : null,
    };
  });
  const calls = callRow?.calls ?? 0;
  return {
    since: query.since.toISOString(),
    until: query.until.toISOString(),
    preset: query.preset ?? null,
    calls,
    turns: Number(row.turns ?? 0),
    stages,
    turnsOver500msShare: stages.find((s) => s.stage === "turn")!.overBudgetShare,
    interruptionsPerCall: { user: calls > 0 ? round2(callRow?.user) : null, assistant: calls > 0 ? round2(callRow?.assistant) : null },
    slowestCalls: slowRows.map((r) => slowCall(r)),
  };
}

function whereCalls(query: ReportQuery): SQL {
  const range = sql`c.ended_at >= ${query.since.toISOString()} and c.ended_at < ${query.until.toISOString()}`;
  return query.preset === undefined ? range : sql`${range} and c.preset = ${query.preset}`;
}

function slowCall(r: Record<string, unknown>): SlowCall {
  let worst: SlowCall["worstStage"] = null;
  for (const stage of STAGES) {
    if (stage === "turn") continue;
    const mean = ms(r[stage]);
    if (mean === null) continue;
    const budgetMs = STAGE_BUDGETS_MS[stage];
    if (!worst || mean / budgetMs > worst.meanMs / worst.budgetMs) worst = { stage, meanMs: mean, budgetMs };
  }
  const ended = r.ended_at instanceof Date ? r.ended_at : new Date(String(r.ended_at));
  return {
    callId: String(r.call_id),
    preset: typeof r.preset === "string" ? r.preset : null,
    endedAt: ended.toISOString(),
    turns: Number(r.turns ?? 0),
    meanTurnMs: ms(r.turn),
    worstStage: worst,
  };
}

/** Milliseconds, whole; null for no value. */
function ms(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? Math.round(n) : null;
}

const share = (n: number) => Math.round(n * 1000) / 1000;
const round2 = (n: number | null | undefined) => (n === null || n === undefined ? null : Math.round(Number(n) * 100) / 100);

/** The longest relative window a report covers: a year (`365d`, `8760h`). */
const MAX_SINCE_DAYS = 365;

/**
 * An ISO date ("2026-11-01", UTC midnight) or date and time ("2026-11-01T12:00:00Z", with an
 * optional offset), from the year 2000 on; undefined for anything else, including a day the
 * month does not have ("2026-02-30", which `new Date` quietly reads as 2 March).
 */
export function parseReportDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?$/.exec(
    text.trim(),
  );
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (year < 2000 || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const at = new Date(text.trim());
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * The start of a report window: `7d`, `24h`, `90m` before `now` (at most a year), or an ISO date
 * (`parseReportDate`, not after `now`). Undefined when the text is neither.
 */
export function parseSince(text: string, now: Date): Date | undefined {
  const relative = /^(\d{1,6})([dhm])$/.exec(text.trim());
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as "d" | "h" | "m"];
    const span = Number(relative[1]) * unit;
    return span > MAX_SINCE_DAYS * 86_400_000 ? undefined : new Date(now.getTime() - span);
  }
  const at = parseReportDate(text);
  return at === undefined || at > now ? undefined : at;
}
