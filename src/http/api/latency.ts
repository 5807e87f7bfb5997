/**
 * `GET /api/latency?since=7d&preset=scheduling`: the latency report as JSON (the figures of `npm
 * run latency`: per-stage percentiles against the budget, turns over 500 ms, interruptions per
 * call, the slowest calls, and experiment arms compared). Behind the API's bearer token.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../../deps.ts";
import { compareExperiments } from "../../services/latency/experiments.ts";
import { latencyReport, parseSince } from "../../services/latency/report.ts";
import { jsonError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse, restApp } from "./app.ts";

const ms = z.number().nullable();
const Stage = z.object({
  stage: z.enum(["transcriber", "endpointing", "model", "voice", "turn"]),
  budgetMs: z.number(),
  samples: z.number(),
  p50Ms: ms,
  p95Ms: ms,
  p99Ms: ms,
  overBudgetShare: z.number().nullable(),
});
const SlowCall = z.object({
  callId: z.string(),
  preset: z.string().nullable(),
  endedAt: z.string(),
  turns: z.number(),
  meanTurnMs: ms,
  worstStage: z.object({ stage: z.string(), meanMs: z.number(), budgetMs: z.number() }).nullable(),
});
const Experiment = z.object({
  experiment: z.string(),
  arms: z.array(z.object({ arm: z.string(), calls: z.number(), turns: z.number() })),
  metrics: z.array(
    z.object({
      name: z.string(),
      unit: z.string(),
      arms: z.array(z.object({ arm: z.string(), value: z.number().nullable() })),
      p: z.number().nullable(),
      significant: z.boolean(),
      verdict: z.string(),
    }),
  ),
});
const Report = z
  .object({
    since: z.string(),
    until: z.string(),
    preset: z.string().nullable(),
    calls: z.number(),
    turns: z.number(),
    stages: z.array(Stage),
    turnsOver500msShare: z.number().nullable(),
    interruptionsPerCall: z.object({ user: z.number().nullable(), assistant: z.number().nullable() }),
    slowestCalls: z.array(SlowCall),
    experiments: z.array(Experiment),
  })
  .openapi("LatencyReport");

const route = createRoute({
  method: "get",
  path: "/latency",
  summary: "Per-turn latency from end-of-call reports: stages against their budget, slow turns, interruptions, slowest calls, experiments",
  security: bearerSecurity,
  request: {
    query: z.object({
      since: z.string().max(40).optional().describe("7d (default), 24h, 90m (at most a year), or a date."),
      preset: z.string().max(64).optional().describe("Only calls served this preset."),
    }),
  },
  responses: {
    200: jsonResponse(Report, "The report"),
    ...errorResponses,
  },
});

export function latencyApi(deps: AppDeps) {
  const app = restApp("query");
  app.openapi(route, async (c) => {
    const { since: sinceText = "7d", preset } = c.req.valid("query");
    const now = deps.clock.now();
    const since = parseSince(sinceText, now);
    if (!since)
      return jsonError(c, "invalid_request", `since: expected 7d, 24h, 90m (at most a year) or a past date; got "${sinceText}".`) as never;
    const report = await latencyReport(deps.db, { since, until: now, preset });
    const experiments = await compareExperiments(deps.db, { since, until: now });
    return c.json({ ...report, experiments }, 200);
  });
  return app;
}
