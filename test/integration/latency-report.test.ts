// Protects the latency report: end-of-call reports with known metrics give exactly the expected percentiles, shares, interruptions, slowest calls and experiment comparison, the same through GET /api/latency (behind its token) and `npm run latency` (text, JSON and an SVG chart).
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { type LatencyReport, latencyReport } from "../../src/services/latency/report.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { reportWithMetrics } from "../support/latency-reports.ts";
import { testCallId } from "../support/vapi-messages.ts";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const API_TOKEN = "api-token-latency-0123456789";
/** A week of its own, long ago: no other test's calls fall in it. */
const NOW = new Date("2024-03-10T12:00:00Z");
const day = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const EXPERIMENT = { experiment: "trial-latency-test" };

/** Turn latencies (ms) per call: scheduling calls are slower, with endpointing over budget. */
const FAST = [
  { transcriberLatency: 150, endpointingLatency: 100, modelLatency: 120, voiceLatency: 100, turnLatency: 370 },
  { transcriberLatency: 160, endpointingLatency: 120, modelLatency: 130, voiceLatency: 110, turnLatency: 400 },
];
const SLOW = [
  { transcriberLatency: 200, endpointingLatency: 900, modelLatency: 150, voiceLatency: 150, turnLatency: 500 },
  { transcriberLatency: 240, endpointingLatency: 1500, modelLatency: 300, voiceLatency: 160, turnLatency: 700 },
];

let t: TestApp;
const ids: string[] = [];

beforeAll(async () => {
  // The experiment is configured: a report's labels are kept only when they name a configured one.
  const assistant = {
    ...assistantConfig,
    experiments: [{ name: EXPERIMENT.experiment, control: "dispatch", treatment: "scheduling", treatmentPercent: 50 }],
  };
  t = await createTestApp({ assistant, env: { API_TOKEN }, clock: fixedClock(NOW) });
  // 10 dispatch calls (fast), 10 scheduling calls (slow), in one experiment, and 1 call outside the window.
  for (let i = 0; i < 20; i++) {
    const dispatch = i % 2 === 0;
    const callId = testCallId();
    ids.push(callId);
    const report = reportWithMetrics(callId, {
      preset: dispatch ? "dispatch" : "scheduling",
      turns: dispatch ? FAST : SLOW,
      endedAt: day(1 + (i % 5)),
      metadata: { ...EXPERIMENT, arm: dispatch ? "dispatch" : "scheduling" },
      interrupted: dispatch ? { user: 2, assistant: 0 } : { user: 0, assistant: 1 },
    });
    expect((await t.webhook(report)).status).toBe(200);
  }
  await t.webhook(reportWithMetrics(testCallId(), { preset: "dispatch", endedAt: day(9), turns: SLOW }));
}, 60_000);

const EXPECTED_STAGES = [
  // 20 values each of the two dispatch turns and the two scheduling turns (10 calls apiece).
  { stage: "transcriber", budgetMs: 200, samples: 40, p50Ms: 180, p95Ms: 240, p99Ms: 240, overBudgetShare: 0.25 },
  { stage: "endpointing", budgetMs: 300, samples: 40, p50Ms: 510, p95Ms: 1500, p99Ms: 1500, overBudgetShare: 0.5 },
  { stage: "model", budgetMs: 150, samples: 40, p50Ms: 140, p95Ms: 300, p99Ms: 300, overBudgetShare: 0.25 },
  { stage: "voice", budgetMs: 150, samples: 40, p50Ms: 130, p95Ms: 160, p99Ms: 160, overBudgetShare: 0.25 },
  { stage: "turn", budgetMs: 500, samples: 40, p50Ms: 450, p95Ms: 700, p99Ms: 700, overBudgetShare: 0.25 },
];

describe("the latency report", () => {
  it("gives exact figures for a week of known reports", async () => {
    const report = await latencyReport(t.deps.db, { since: day(7), until: NOW });
    expect(report).toMatchObject({ calls: 20, turns: 40, turnsOver500msShare: 0.25, interruptionsPerCall: { user: 1, assistant: 0.5 } });
    expect(report.stages).toEqual(EXPECTED_STAGES);
    // The slowest calls are the scheduling ones (mean turn 600 ms), endpointing their worst stage (1200 ms mean against 300).
    expect(report.slowestCalls).toHaveLength(5);
    for (const c of report.slowestCalls) {
      expect(c).toMatchObject({
        preset: "scheduling",
        meanTurnMs: 600,
        turns: 2,
        worstStage: { stage: "endpointing", meanMs: 1200, budgetMs: 300 },
      });
    }
  });

  it("narrows to one preset", async () => {
    const report = await latencyReport(t.deps.db, { since: day(7), until: NOW, preset: "dispatch" });
    expect(report).toMatchObject({ calls: 10, turns: 20, turnsOver500msShare: 0, preset: "dispatch" });
    expect(report.stages.find((s) => s.stage === "turn")).toMatchObject({ p50Ms: 385, p99Ms: 400 });
  });

  it("is the same JSON from GET /api/latency, with the experiment's arms compared, behind the API token", async () => {
    const get = (path: string, token = API_TOKEN) => t.app.request(path, { headers: { authorization: `Bearer ${token}` } });
    const res = await get("/api/latency?since=7d");
    expect(res.status).toBe(200);
    const body = (await res.json()) as LatencyReport & { experiments: { experiment: string; metrics: Record<string, unknown>[] }[] };
    expect(body).toMatchObject({ since: day(7).toISOString(), until: NOW.toISOString(), calls: 20, turns: 40, stages: EXPECTED_STAGES });
    const experiment = body.experiments.find((e) => e.experiment === EXPERIMENT.experiment)!;
    expect(experiment).toMatchObject({
      arms: [
        { arm: "dispatch", calls: 10, turns: 20 },
        { arm: "scheduling", calls: 10, turns: 20 },
      ],
    });
    const [latency, interruptions, duration, transfers] = experiment.metrics;
    // Every dispatch call is faster than every scheduling call: as clear as 10 against 10 can be.
    expect(latency).toMatchObject({ name: "turn latency", arms: [{ value: 385 }, { value: 600 }], significant: true });
    expect(latency!.verdict).toMatch(/^significant \(Mann-Whitney p = 0\.000, 10 vs 10 calls\)$/);
    expect(interruptions).toMatchObject({ arms: [{ value: 2 }, { value: 1 }], significant: true });
    // Same duration and no transfers in either arm: no difference to find.
    expect(duration).toMatchObject({
      significant: false,
      verdict: expect.stringMatching(/^not yet significant \(Mann-Whitney p = 1\.000, 10 vs 10 calls\)$/),
    });
    expect(transfers).toMatchObject({ arms: [{ value: 0 }, { value: 0 }], significant: false });

    for (const since of ["1w", "366d", "2024-02-30"]) expect((await get(`/api/latency?since=${since}`)).status, since).toBe(400);
    expect((await get("/api/latency?since=7d", "wrong-token")).status).toBe(401);
    const filtered = (await (await get("/api/latency?since=30d&preset=scheduling")).json()) as LatencyReport;
    expect(filtered).toMatchObject({ calls: 10, preset: "scheduling" });
    const spec = (await (await t.app.request("/api/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(spec.paths)).toContain("/latency");
  });
});

describe("npm run latency", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "latency-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cli = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "scripts/cli/latency/main.ts", ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: inject("databaseUrl"), DATA_DIR: dir },
    });

  it("prints the figures against their budgets and writes an SVG chart", async () => {
    if (inject("databaseKind") === "embedded") return expect(true).toBe(true); // the CLI needs a server it can share
    const chart = join(dir, "chart.svg");
    const { stdout } = await cli(
      "--since",
      "2024-03-03T12:00:00Z",
      "--until",
      NOW.toISOString(),
      "--preset",
      "scheduling",
      "--chart",
      chart,
    );
    expect(stdout).toMatch(/preset scheduling: 10 calls, 20 turns/);
    expect(stdout).toMatch(/^endpointing\s+1200 ms\s+1500 ms\s+1500 ms\s+300 ms\s+100\.0% of 20\s+<< p95 over budget$/m);
    expect(stdout).toContain("Turns over 500 ms: 50.0%");
    expect(stdout).toMatch(/worst: endpointing 1200 ms \(budget 300\)/);
    const svg = await readFile(chart, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<title>budget \d+ ms<\/title>/g)).toHaveLength(5);
    expect(svg).toContain("<title>p99 1500 ms</title>");
  }, 60_000);

  it("prints JSON with --json, and refuses a window it cannot read", async () => {
    if (inject("databaseKind") === "embedded") return expect(true).toBe(true);
    const { stdout } = await cli(
      "--since",
      "2024-03-03T12:00:00Z",
      "--until",
      NOW.toISOString(),
      "--preset",
      "dispatch",
      "--json",
      "--chart",
      join(dir, "c.svg"),
    );
    const json = JSON.parse(stdout) as LatencyReport;
    expect(json).toMatchObject({ preset: "dispatch", turnsOver500msShare: expect.any(Number) });
    await expect(cli("--since", "yesterday")).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining("--since yesterday") });
  }, 60_000);
});
