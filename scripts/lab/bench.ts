/**
 * `npm run bench`: starts the server on the real Postgres and Redis (a fresh database and key
 * prefix per run), measures each scenario beside a bare route in the same run, ramps a call-mix
 * load to find how many concurrent calls one instance holds, and writes a report with a chart.
 * `--smoke` runs everything briefly (CI uses it to check the benchmark works).
 */

import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus, totalmem } from "node:os";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { Redis } from "ioredis";
import postgres from "postgres";
import { createDatabase } from "../../src/db/client.ts";
import { runMigrations } from "../../src/db/migrate.ts";
import { Traffic } from "./bench/bodies.ts";
import { runCallMix } from "./bench/call-mix.ts";
import { type ReferenceServer, startReferenceServer } from "./bench/reference-server.ts";
import { latencySvg, markdown, type ScenarioResult, table } from "./bench/report.ts";
import { type BenchContext, referenceScenarios, type Scenario, scenarios, TURNS, toolCall } from "./bench/scenarios.ts";
import { buildProductionBundle, cpuMicros, residentMiB, type ServerProcess, startServerProcess } from "./lib/server-process.ts";

const { values: args } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    duration: { type: "string" },
    connections: { type: "string", default: "50" },
    out: { type: "string", default: "bench-report" },
    "max-calls": { type: "string", default: "12000" },
    profile: { type: "boolean", default: false },
    /** Comma-separated scenario names (or parts of them, `call-mix` for the ramp); the bare route always runs. */
    only: { type: "string" },
  },
});
const smoke = args.smoke;
const duration = Number(args.duration ?? (smoke ? 1 : 10));
const connections = Number(args.connections);
const databaseUrl = process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const runId = `${Date.now().toString(36)}_${randomBytes(2).toString("hex")}`;
const secret = randomBytes(18).toString("base64url");
const log = (line: string) => process.stderr.write(`${line}\n`);
const only = args.only?.split(",").map((s) => s.trim().toLowerCase());
const selected = (name: string) => !only || name === scenarios[0]!.name || only.some((o) => name.toLowerCase().includes(o));

async function main() {
  log(
    `switchboard bench${smoke ? " (smoke)" : ""}: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  );
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const dbName = `switchboard_bench_${runId}`;
  await admin.unsafe(`create database "${dbName}"`);
  const benchUrl = Object.assign(new URL(databaseUrl), { pathname: `/${dbName}` }).toString();
  const redis = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  const prefix = `bench:${runId}:`;
  let server: ServerProcess | undefined;
  let floorServer: ReferenceServer | undefined;
  try {
    const handle = createDatabase(benchUrl, { max: 4 });
    await runMigrations(handle.db);
    const ctx: BenchContext = { secret, smoke, data: {} };
    log("- seeding the bench database");
    for (const s of scenarios) await s.prepare?.(handle.db, ctx);
    await handle.close();

    // The production build: no TypeScript loader in the measured process.
    log("- building dist/server.mjs");
    buildProductionBundle();
    const env = {
      DATABASE_URL: benchUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      VAPI_SECRET: secret,
      LOG_LEVEL: "warn",
      HOST: "127.0.0.1",
      PORT: "0",
      // Tuning knobs worth comparing run against run are passed through when set.
      ...Object.fromEntries(
        ["DATABASE_POOL_MAX", "CACHE_MIRROR_MAX_ENTRIES"].flatMap((k) => (process.env[k] ? [[k, process.env[k]!]] : [])),
      ),
    };
    const firstRequest = selected("first-request") ? await measureFirstRequest(env, ctx) : undefined;

    // --profile: a V8 CPU profile of the whole measured run, for the DevTools or speedscope.
    const profileFlags = args.profile ? ["--cpu-prof", "--cpu-prof-dir", args.out] : [];
    await mkdir(args.out, { recursive: true });
    server = await startServerProcess(env, 60_000, "bundle", profileFlags);
    const base = server.base;
    const headers = { "content-type": "application/json", "x-vapi-secret": secret };
    const send = async (body: string) => (await fetch(`${base}/vapi/webhook`, { method: "POST", headers, body })).text();
    const { tools, assistant } = await servedAssistant(send);
    // Realistic bodies carry the assistant this server serves, as Vapi's do.
    ctx.traffic = new Traffic(assistant, `${base}/vapi/webhook`);
    // The framework's floor runs beside the server all along, idle unless measured.
    floorServer = await startReferenceServer();

    const results: ScenarioResult[] = [];
    let bareResult: ScenarioResult | undefined;
    for (const scenario of scenarios.filter((s) => selected(s.name))) {
      const missing = (scenario.requires ?? []).filter((t) => !tools.has(t));
      if (missing.length > 0) {
        log(`- ${scenario.name}: not run, tool(s) ${missing.join(", ")} not present`);
        results.push(notRun(scenario));
        continue;
      }
      await scenario.prime?.(send, ctx);
      // The floor on the same bodies, measured just before (the machine's speed drifts over minutes).
      const floor = scenario.floor
        ? await runScenario(
            floorServer,
            {
              ...scenario,
              name: `floor: ${scenario.name}`,
              description: "bare Hono app reading and parsing the same bodies",
              path: "/",
              amount: undefined,
              requires: undefined,
            },
            ctx,
          )
        : undefined;
      const result = await runScenario(server, scenario, ctx);
      if (floor) {
        result.floor = { requestsPerSecond: floor.requestsPerSecond, serverCpuMicros: floor.serverCpuMicros, p99: floor.p99 };
        results.push(floor);
      }
      if (scenario.target && bareResult) result.verdict = scenario.target.met(result, bareResult, floor) ? "met" : "missed";
      result.target = scenario.target?.text;
      results.push(result);
      if (scenario === scenarios[0]) {
        bareResult = result;
        // Hono alone answering a GET, right after the bare route: the framework's own ceiling.
        for (const reference of referenceScenarios.filter((s) => selected(s.name)))
          results.push(await runScenario(floorServer, reference, ctx));
      }
    }

    const mix = selected("call-mix")
      ? await rampCallMix(server, tools.has("get_shipment_status") ? "get_shipment_status" : "get_business_hours", ctx)
      : undefined;
    const tableText = table(results, bareResult);
    const extra = [
      ...(mix
        ? [
            `**Call-mix load** (${mix.tool}; each call ≈1 informational event/s and a tool call every 15–20 s; ${mix.stepSeconds} s per step): held **${mix.held}** concurrent calls (target ≥ 5,000)${mix.stoppedBecause ? `; stopped at ${mix.stoppedAt}: ${mix.stoppedBecause}` : ""}.`,
            "",
            "| calls | req/s sent | tool p50 ms | tool p99 ms | info p99 ms | errors | generator late | RSS MiB |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            ...mix.steps.map(
              (s) =>
                `| ${s.calls} | ${(s.sent / s.seconds).toFixed(0)} | ${s.tool.p50.toFixed(2)} | ${s.tool.p99.toFixed(2)} | ${s.informational.p99.toFixed(2)} | ${s.errors + s.toolFailures} | ${s.late} | ${s.rss.toFixed(0)} |`,
            ),
            "",
          ]
        : []),
      ...(firstRequest
        ? [
            `**First request after start** (get_shipment_status needing Postgres, fresh process, median of runs): ${firstRequest.warm.toFixed(1)} ms with warm-up, ${firstRequest.cold.toFixed(1)} ms without.`,
            "",
          ]
        : []),
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load generator on the same machine; ${connections} connections, ${duration} s per scenario.`,
    ].join("\n");
    process.stdout.write(`\n${tableText}\n\n${extra.replaceAll("**", "")}\n`);
    await mkdir(args.out, { recursive: true });
    await writeFile(
      `${args.out}/report.md`,
      `# Switchboard benchmark, ${new Date().toISOString()}\n\n${markdown(results, bareResult, extra)}\n\n![latency](latency.svg)\n`,
    );
    await writeFile(
      `${args.out}/latency.svg`,
      latencySvg(
        results.filter((r) => Number.isFinite(r.p99)),
        `Switchboard latency at ${connections} connections`,
      ),
    );
    await writeFile(`${args.out}/results.json`, JSON.stringify({ results, mix, firstRequest }, null, 2));
    log(`\nreport: ${args.out}/report.md, chart: ${args.out}/latency.svg${args.profile ? `, CPU profile: ${args.out}/*.cpuprofile` : ""}`);
    // A non-200 answer is a bug whatever the load; a tool's spoken failure (a budget overrun on a
    // loaded machine) is a finding, shown in the table against the targets.
    const httpFailures = results.filter((r) => r.errors > 0);
    if (httpFailures.length > 0) {
      log(`HTTP errors in: ${httpFailures.map((f) => f.name).join(", ")}`);
      process.exitCode = 1;
    }
    const spoken = results.filter((r) => r.failedAnswers > 0);
    if (spoken.length > 0) log(`tool answers with an error (see the table): ${spoken.map((f) => f.name).join(", ")}`);
  } finally {
    await floorServer?.stop();
    await server?.stop();
    await admin.unsafe(`drop database if exists "${dbName}" with (force)`).catch(() => {});
    await admin.end();
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  }
}

/** The assistant the server serves a call, and the names of its tools. */
async function servedAssistant(send: (body: string) => Promise<string>) {
  const answer = JSON.parse(await send(JSON.stringify({ message: { type: "assistant-request", call: { id: "bench-probe" } } }))) as {
    assistant?: { model?: { tools?: { function?: { name?: string } }[] } };
  };
  const tools = new Set((answer.assistant?.model?.tools ?? []).map((t) => t.function?.name ?? ""));
  return { tools, assistant: answer.assistant as Record<string, unknown> | undefined };
}

function notRun(scenario: Scenario): ScenarioResult {
  return {
    name: scenario.name,
    description: scenario.description,
    requestsPerSecond: Number.NaN,
    p50: Number.NaN,
    p99: Number.NaN,
    errors: 0,
    failedAnswers: 0,
    maxRssMiB: Number.NaN,
    serverCpuMicros: Number.NaN,
    bodyBytes: Number.NaN,
    target: scenario.target?.text,
    verdict: "n/a",
  };
}

async function runScenario(server: Pick<ServerProcess, "base" | "child">, scenario: Scenario, ctx: BenchContext): Promise<ScenarioResult> {
  let failedAnswers = 0;
  const rss: number[] = [];
  const sampler = setInterval(() => void residentMiB(server.child.pid!).then((m) => rss.push(m)), 250);
  const amount = scenario.amount?.(ctx);
  log(`- ${scenario.name}: ${scenario.description}`);
  // The load generator shares the machine: every body is built before the clock starts, and
  // answers are only read where a tool's answer is checked, so the generator's work per request
  // stays as small as the bare route's and the ratio measures the server.
  const base = {
    method: scenario.method,
    path: scenario.path,
    headers: { "content-type": "application/json", "x-vapi-secret": ctx.secret },
  };
  const checkAnswers = scenario.requires !== undefined;
  const onResponse = checkAnswers
    ? (status: number, body: string) => {
        if (status === 200 && body.includes('"error"')) {
          // The first one is shown, so a run says what the caller heard.
          if (failedAnswers++ === 0) log(`  ${scenario.name}: a tool answered with an error: ${body.slice(0, 300)}`);
        }
      }
    : undefined;
  let requests: Record<string, unknown>[];
  let bodyBytes = 0;
  if (!scenario.body) requests = [{ ...base, ...(onResponse ? { onResponse } : {}) }];
  else if (amount !== undefined) {
    // Unique bodies (each consumed once): handed out in order from a prepared list.
    const bodies = Array.from({ length: amount }, (_, i) => scenario.body!(i, ctx));
    bodyBytes = averageBytes(bodies);
    let next = 0;
    requests = [
      {
        ...base,
        setupRequest: (req: Record<string, unknown>) => {
          req.body = bodies[next++ % bodies.length];
          return req;
        },
        ...(onResponse ? { onResponse } : {}),
      },
    ];
  } else {
    // A fixed rotation of prepared bodies, which autocannon cycles through by itself.
    requests = Array.from({ length: 100 }, (_, i) => ({ ...base, body: scenario.body!(i, ctx), ...(onResponse ? { onResponse } : {}) }));
    bodyBytes = averageBytes(requests.map((r) => r.body as string));
  }
  const histogramBefore = scenario.serverHistogram ? await histogram(server.base, scenario.serverHistogram, ctx.secret) : undefined;
  const cpuBefore = await cpuMicros(server.child.pid!);
  const instance = autocannon({
    url: server.base,
    connections: scenario.connections ?? connections,
    ...(scenario.rate ? { overallRate: scenario.rate } : {}),
    ...(amount !== undefined ? { amount } : { duration }),
    requests,
  } as autocannon.Options) as unknown as autocannon.Instance & Promise<autocannon.Result>;
  if (process.stderr.isTTY) autocannon.track(instance, { renderResultsTable: false, renderLatencyTable: false });
  const result = await instance;
  const cpuUsed = (await cpuMicros(server.child.pid!)) - cpuBefore;
  clearInterval(sampler);
  const serverP99 =
    scenario.serverHistogram && histogramBefore
      ? p99Of(histogramBefore, await histogram(server.base, scenario.serverHistogram, ctx.secret))
      : undefined;
  if (serverP99 !== undefined) log(`  server-side p99: ≤ ${serverP99} ms (histogram bucket)`);
  return {
    ...(serverP99 !== undefined ? { serverP99 } : {}),
    name: scenario.name,
    description: scenario.description,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    failedAnswers,
    maxRssMiB: rss.length > 0 ? Math.max(...rss) : Number.NaN,
    serverCpuMicros: cpuUsed / Math.max(1, result.requests.total),
    bodyBytes,
  };
}

/** A histogram's cumulative bucket counts (le in seconds → count) from the server's /metrics. */
async function histogram(base: string, name: string, secret: string): Promise<Map<number, number>> {
  const res = await fetch(new URL("/metrics", base), { headers: { "x-vapi-secret": secret } });
  const buckets = new Map<number, number>();
  for (const line of (await res.text()).split("\n")) {
    const m = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`).exec(line);
    if (m) buckets.set(m[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[1]), Number(m[2]));
  }
  return buckets;
}

/** The upper bound (ms) of the bucket holding the 99th percentile of what was observed between two readings. */
function p99Of(before: Map<number, number>, after: Map<number, number>): number | undefined {
  const les = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  if (total <= 0) return undefined;
  for (const le of les) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= 0.99 * total) return le * 1000;
  }
  return undefined;
}

const averageBytes = (bodies: readonly string[]) =>
  bodies.length === 0 ? 0 : bodies.reduce((sum, b) => sum + Buffer.byteLength(b), 0) / bodies.length;

/**
 * The first tool call a fresh process serves, with and without warm-up. The client connection
 * is opened first (GET /healthz) so only the server's first database work is timed; each run
 * asks for a shipment nobody asked for yet, so it is a cache miss that needs Postgres.
 */
async function measureFirstRequest(env: Record<string, string>, ctx: BenchContext) {
  const unused = [...(ctx.data.coldTrackingNumbers ?? [])].reverse();
  const once = async (warm: boolean) => {
    const s = await startServerProcess({ ...env, WARM_UP: warm ? "true" : "false" }, 60_000, "bundle");
    try {
      await fetch(`${s.base}/healthz`).then((r) => r.text());
      const trackingNumber = unused.shift();
      const started = performance.now();
      await fetch(`${s.base}/vapi/webhook`, {
        method: "POST",
        headers: { "x-vapi-secret": env.VAPI_SECRET! },
        body: trackingNumber ? toolCall("get_shipment_status", { trackingNumber }) : toolCall("get_business_hours", {}),
      }).then((r) => r.text());
      return performance.now() - started;
    } finally {
      await s.stop();
    }
  };
  // Alternate, several times each: single samples on a shared machine are noise.
  const warm: number[] = [];
  const cold: number[] = [];
  for (let i = 0; i < (smoke ? 1 : 3); i++) {
    cold.push(await once(false));
    warm.push(await once(true));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { warm: median(warm), cold: median(cold) };
}

async function rampCallMix(server: ServerProcess, tool: string, ctx: BenchContext) {
  const stepSeconds = smoke ? 2 : 20;
  const maxCalls = Number(args["max-calls"]);
  const base = new URL(`${server.base}/vapi/webhook`);
  const pool = ctx.data.hotTrackingNumbers ?? [];
  const traffic = ctx.traffic!;
  // Realistic bodies, as Vapi sends them a few minutes into a call.
  const target = {
    base,
    headers: { "content-type": "application/json", "x-vapi-secret": ctx.secret },
    informational: (callId: string) => traffic.speechUpdate(TURNS, callId),
    toolCall: (callId: string, n: number) =>
      tool === "get_shipment_status" && pool.length > 0
        ? traffic.toolCall(TURNS, tool, {
            callId,
            caller: "+15550100000",
            toolCallId: `call_mix${n}`,
            args: { trackingNumber: pool[n % pool.length]! },
          })
        : traffic.toolCall(TURNS, tool, { callId, caller: "+15550100000", toolCallId: `call_mix${n}`, args: {} }),
    isToolSuccess: (body: string) => !body.includes('"error"'),
  };
  const steps: (Awaited<ReturnType<typeof runCallMix>> & { rss: number })[] = [];
  let held = 0;
  let stoppedBecause = "";
  let stoppedAt = 0;
  const plan = smoke ? [200] : [1000, 2500, 5000, 7500, 10000, 12500, 15000].filter((n) => n <= maxCalls);
  for (const calls of plan) {
    log(`- call-mix: ${calls} concurrent calls for ${stepSeconds} s`);
    const rss: number[] = [];
    const sampler = setInterval(() => void residentMiB(server.child.pid!).then((m) => rss.push(m)), 500);
    const step = await runCallMix(target, calls, stepSeconds);
    clearInterval(sampler);
    steps.push({ ...step, rss: rss.length > 0 ? Math.max(...rss) : Number.NaN });
    if (step.errors > 0 || step.toolFailures > 0) {
      stoppedBecause = `${step.errors} HTTP errors, ${step.toolFailures} tool errors`;
      stoppedAt = calls;
      break;
    }
    if (step.tool.p99 > 50) {
      stoppedBecause = `tool-call p99 ${step.tool.p99.toFixed(1)} ms > 50 ms`;
      stoppedAt = calls;
      break;
    }
    held = calls;
  }
  return { tool, stepSeconds, held, steps, stoppedBecause, stoppedAt };
}

main().catch((err: unknown) => {
  log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
