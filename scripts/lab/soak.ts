/**
 * Soak run: a mixed load against a server process on private Postgres and Redis, with faults and
 * attacks on a schedule (large bodies, stalled uploads, reports sent during a Postgres outage).
 * Reports per phase (requests, errors, p99), what the attacks got, crashes, the server's peak
 * resident memory against its heap cap, and the acknowledged writes lost (confirmation codes and
 * call records missing from the database), which must be zero. Runs the production build (`npm
 * run build`). Not part of CI: `npm run soak` (10 minutes) or `-- --minutes 3`.
 */
import { randomBytes, randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { createDatabase } from "../../src/db/client.ts";
import { runMigrations } from "../../src/db/migrate.ts";
import { endOfCallReportBody, missingCalls, type StalledUpload, stalledUpload } from "./lib/attacks.ts";
import { halfWrittenBookings, lostCodes } from "./lib/booking-audit.ts";
import { startPostgres, startRedis } from "./lib/private-services.ts";
import { buildProductionBundle, residentMiB, startServerProcess } from "./lib/server-process.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, rate: { type: "string", default: "60" } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate); // requests per second, all kinds together
if (!(minutes > 0) || !(rate > 0)) throw new Error("--minutes and --rate must be positive numbers");

const SECRET = randomBytes(24).toString("base64url");
const HMAC_SECRET = randomBytes(24).toString("base64url");
const API_TOKEN = randomBytes(24).toString("base64url");
const BOOKING_SHARE = 0.2;

type Outcome = "ok" | "spoken-error" | "http-error";
interface Sample {
  ms: number;
  outcome: Outcome;
  /** For an HTTP error: the status, or "no answer". */
  status?: string;
}
/** What an attack's requests got: acknowledged, refused by status, or never answered. */
interface AttackStats {
  sent: number;
  acknowledged: number;
  statuses: Record<string, number>;
  unanswered: number;
}
interface Phase {
  name: string;
  /** Injected at the start of the phase, undone half-way through. */
  fault?: { inject(): Promise<void> | void; undo(): Promise<void> | void };
  /** Attack traffic beside the mixed load, from the start of the phase until `done()` (its half-way point for a fault). */
  attack?: (base: string, done: () => boolean, stats: AttackStats) => Promise<void>;
  samples: Sample[];
  attackStats?: AttackStats;
}

async function main() {
  const totalMs = minutes * 60_000;
  process.stdout.write(`Soak: ${minutes} min at about ${rate} req/s; starting private Postgres and Redis...\n`);
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  const database = createDatabase(postgres.url, { max: 2, connectTimeoutSeconds: 2 });
  const cleanup: (() => Promise<void>)[] = [() => redis.destroy(), () => postgres.destroy(), () => database.close().catch(() => {})];
  try {
    await runMigrations(database.db);
    // The production build, as the benchmark runs it: memory and latency are the deployed process's.
    buildProductionBundle();
    const server = await startServerProcess(
      {
        DATABASE_URL: postgres.url,
        REDIS_URL: redis.url,
        VAPI_SECRET: SECRET,
        VAPI_HMAC_SECRET: HMAC_SECRET,
        API_TOKEN,
        HOST: "127.0.0.1",
        PORT: "0",
        DEMO_DATA: "off",
        LOG_LEVEL: "error",
        SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
      },
      60_000,
      "bundle",
      // The heap's size at every collection, for the peak heap beside the peak resident memory.
      ["--trace-gc"],
    );
    cleanup.unshift(() => server.stop());
    const pid = server.child.pid!;
    let crashes = 0;
    let stopping = false;
    server.child.once("exit", (code, signal) => {
      if (stopping) return;
      crashes++;
      process.stdout.write(`  the server exited: code ${code}, signal ${signal}\n${server.output.slice(-5).join("\n")}\n`);
    });
    cleanup.unshift(async () => {
      stopping = true;
    });
    let peakRss = 0;
    const watch = setInterval(async () => (peakRss = Math.max(peakRss, await residentMiB(pid))), 50);
    cleanup.unshift(async () => clearInterval(watch));

    const { trackingNumbers, slotIds, serviceName } = await seed(server.base, Math.ceil((totalMs / 1000) * rate * BOOKING_SHARE * 1.2));
    const rssStart = await residentMiB(pid);

    const reports: string[] = [];
    const phases: Phase[] = [
      { name: "baseline", samples: [] },
      { name: "large bodies", attack: (base, done, stats) => largeBodies(base, done, stats, reports), samples: [] },
      { name: "stalled uploads", attack: stalledUploads, samples: [] },
      { name: "redis stopped", fault: { inject: () => redis.stop(), undo: () => redis.start() }, samples: [] },
      { name: "redis paused", fault: { inject: () => redis.pause(), undo: () => redis.resume() }, samples: [] },
      { name: "postgres paused", fault: { inject: () => postgres.pause(), undo: () => postgres.resume() }, samples: [] },
      { name: "postgres stopped", fault: { inject: () => postgres.stop(), undo: () => postgres.start() }, samples: [] },
      {
        name: "reports in an outage",
        fault: { inject: () => postgres.stop(), undo: () => postgres.start() },
        attack: (base, done, stats) => reportsDuringOutage(base, done, stats, reports),
        samples: [],
      },
      { name: "recovery", samples: [] },
    ];
    const phaseMs = totalMs / phases.length;
    const acknowledged: string[] = [];
    let nextSlot = 0;
    const inFlight = new Set<Promise<void>>();

    for (const phase of phases) {
      process.stdout.write(`  phase: ${phase.name}\n`);
      const started = Date.now();
      let faulty = false;
      if (phase.fault) {
        await phase.fault.inject();
        faulty = true;
      }
      let attack: Promise<void> | undefined;
      if (phase.attack) {
        const stats: AttackStats = { sent: 0, acknowledged: 0, statuses: {}, unanswered: 0 };
        phase.attackStats = stats;
        // Attacks stop at the fault's undo (half-way), or at the end of a phase without a fault.
        const attackMs = phase.fault ? phaseMs / 2 : phaseMs;
        attack = phase.attack(server.base, () => Date.now() - started >= attackMs, stats);
      }
      let sent = 0;
      while (Date.now() - started < phaseMs) {
        if (faulty && Date.now() - started >= phaseMs / 2) {
          await phase.fault!.undo();
          faulty = false;
        }
        // Open loop: requests go out on schedule whether or not earlier ones answered.
        const due = Math.floor(((Date.now() - started) / 1000) * rate);
        while (sent < due) {
          sent++;
          const kind = pick();
          const slotId = kind === "booking" ? slotIds[nextSlot++] : undefined;
          if (kind === "booking" && !slotId) continue;
          const p = request(server.base, kind, { trackingNumbers, serviceName, slotId }).then(({ sample, code }) => {
            phase.samples.push(sample);
            if (code) acknowledged.push(code);
          });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      if (faulty) await phase.fault!.undo();
      await attack;
    }
    await Promise.all(inFlight);
    const rssEnd = await residentMiB(pid);

    await waitFor(() => database.db.execute(sql`select 1`).then(() => true));
    const lost = await lostCodes(database.db, acknowledged);
    const halves = await halfWrittenBookings(database.db);
    // Acknowledged reports spooled during the outage reach the database by themselves once it is back.
    let lostReports = await missingCalls(database.db, reports);
    for (const deadline = Date.now() + 60_000; lostReports.length > 0 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 500));
      lostReports = await missingCalls(database.db, lostReports);
    }
    const heapCapMiB = productionHeapCapMiB();
    const heap = heapPeaks(server.output);
    report(phases, {
      rssStart,
      rssEnd,
      peakRss,
      heap,
      heapCapMiB,
      crashes,
      acknowledged: acknowledged.length,
      lost: lost.length,
      reports: reports.length,
      lostReports: lostReports.length,
      halves,
    });
    const httpErrors = phases.reduce((n, p) => n + p.samples.filter((s) => s.outcome === "http-error").length, 0);
    const unanswered = phases.reduce((n, p) => n + (p.attackStats?.unanswered ?? 0), 0);
    const failed =
      crashes > 0 ||
      lost.length > 0 ||
      lostReports.length > 0 ||
      halves.withoutToolCall > 0 ||
      halves.claimsWithoutAnswer > 0 ||
      httpErrors > 0 ||
      unanswered > 0 ||
      // Live data must leave the heap real headroom; resident memory also holds code and buffers outside the heap.
      heap.afterGc > heapCapMiB * 0.75;
    if (failed) process.exitCode = 1;
  } finally {
    for (const fn of cleanup) await fn().catch(() => {});
  }
}

type Kind = "event" | "shipment" | "availability" | "booking";
function pick(): Kind {
  const r = Math.random();
  return r < 0.3 ? "event" : r < 0.6 ? "shipment" : r < 1 - BOOKING_SHARE ? "availability" : "booking";
}

async function request(
  base: string,
  kind: Kind,
  data: { trackingNumbers: string[]; serviceName: string; slotId: string | undefined },
): Promise<{ sample: Sample; code?: string }> {
  const callId = `soak-${randomBytes(8).toString("base64url")}`;
  const caller = `+1555${String(randomInt(0, 10_000_000)).padStart(7, "0")}`;
  const call = { id: callId, type: "inboundPhoneCall", customer: { number: caller } };
  const tool = (name: string, args: unknown) => ({
    message: {
      type: "tool-calls",
      call,
      toolCallList: [{ id: `call_${randomBytes(12).toString("base64url")}`, type: "function", function: { name, arguments: args } }],
    },
  });
  const body =
    kind === "event"
      ? { message: { type: Math.random() < 0.5 ? "status-update" : "speech-update", status: "in-progress", timestamp: Date.now(), call } }
      : kind === "shipment"
        ? tool("get_shipment_status", { trackingNumber: data.trackingNumbers[randomInt(0, data.trackingNumbers.length)] })
        : kind === "availability"
          ? tool("check_availability", { service: data.serviceName })
          : tool("book_appointment", { slotId: data.slotId, customerName: "Soak Test" });
  const started = performance.now();
  try {
    const res = await fetch(`${base}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const json = (await res.json()) as { results?: { result?: string; error?: string }[] };
    const ms = performance.now() - started;
    if (res.status !== 200) return { sample: { ms, outcome: "http-error", status: String(res.status) } };
    const answer = json.results?.[0];
    if (answer?.error !== undefined) return { sample: { ms, outcome: "spoken-error" } };
    const code =
      kind === "booking" && answer?.result ? (JSON.parse(answer.result) as { confirmationCode?: string }).confirmationCode : undefined;
    return { sample: { ms, outcome: "ok" }, ...(code ? { code } : {}) };
  } catch {
    return { sample: { ms: performance.now() - started, outcome: "http-error", status: "no answer" } };
  }
}

/**
 * Sends a report as Vapi does with a backoff plan: a 503 is sent again after its Retry-After, up
 * to `attempts` times. Records the final status; an acknowledged report's call id goes to `reports`.
 */
async function deliverReport(base: string, body: string, callId: string, stats: AttackStats, reports: string[], attempts = 8) {
  stats.sent++;
  let status = "no answer";
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(`${base}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      status = String(res.status);
      if (res.status !== 503) break;
      await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after") ?? 1) * 1000));
    } catch {
      status = "no answer";
      break;
    }
  }
  stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  if (status === "200") {
    stats.acknowledged++;
    reports.push(callId);
  }
  if (status === "no answer") stats.unanswered++;
}

/** Bursts of 16 concurrent 7 MB and 50 concurrent 1 MB end-of-call reports, one burst after another. */
async function largeBodies(base: string, done: () => boolean, stats: AttackStats, reports: string[]) {
  // Built once (the load generator shares the machine's cores): each report gets its own call id.
  const templates = new Map([7_000_000, 1_000_000].map((bytes) => [bytes, endOfCallReportBody(CALL_ID_SLOT, bytes)]));
  while (!done()) {
    const burst = [...Array.from({ length: 16 }, () => 7_000_000), ...Array.from({ length: 50 }, () => 1_000_000)].map((bytes) => {
      const callId = `soak-large-${randomBytes(8).toString("base64url")}`;
      return deliverReport(base, templates.get(bytes)!.replace(CALL_ID_SLOT, callId), callId, stats, reports);
    });
    await Promise.all(burst);
  }
}

const CALL_ID_SLOT = "soak-call-id-slot";

/**
 * 100 uploads at a time that stall after 1 MB of a declared 8 MB: half with a wrong secret
 * (refused from the headers), half with an HMAC signature (read until the body read timeout).
 * Each answered one is replaced; one not answered within 15 s counts as unanswered.
 */
async function stalledUploads(base: string, done: () => boolean, stats: AttackStats) {
  const open = new Set<StalledUpload>();
  const one = async (i: number) => {
    const stamp = String(Math.floor(Date.now() / 1000));
    const headers: Record<string, string> =
      i % 2 === 0 ? { "x-vapi-secret": "wrong-secret-0123456789abcdef" } : { "x-signature": "0".repeat(64), "x-timestamp": stamp };
    const upload = stalledUpload(base, headers, 8_000_000, 1_000_000);
    open.add(upload);
    stats.sent++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const status = await Promise.race([
      upload.status.then(String, () => "closed"),
      new Promise<string>((r) => (timer = setTimeout(() => r("no answer"), 15_000))),
    ]);
    clearTimeout(timer);
    upload.close();
    open.delete(upload);
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
    if (status === "no answer" || status === "closed") stats.unanswered++;
  };
  await Promise.all(
    Array.from({ length: 100 }, async (_, i) => {
      while (!done()) await one(i);
    }),
  );
  for (const u of open) u.close();
}

/** 351 reports of 290 KB sent while Postgres is stopped (the fault's first half), 50 at a time. */
async function reportsDuringOutage(base: string, done: () => boolean, stats: AttackStats, reports: string[]) {
  let left = 351;
  const template = endOfCallReportBody(CALL_ID_SLOT, 290_000);
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (left > 0 && !done()) {
        left--;
        const callId = `soak-outage-${randomBytes(8).toString("base64url")}`;
        await deliverReport(base, template.replace(CALL_ID_SLOT, callId), callId, stats, reports);
      }
    }),
  );
}

/** The largest heap sizes `--trace-gc` printed: before a collection (the peak) and after one (what was live). */
function heapPeaks(output: readonly string[]): { beforeGc: number; afterGc: number } {
  let beforeGc = 0;
  let afterGc = 0;
  for (const chunk of output) {
    for (const m of chunk.matchAll(/(?:Scavenge|Mark-Compact)[^\d\n]*([\d.]+) \([\d.]+\) -> ([\d.]+) \(/g)) {
      beforeGc = Math.max(beforeGc, Number(m[1]));
      afterGc = Math.max(afterGc, Number(m[2]));
    }
  }
  return { beforeGc, afterGc };
}

/** Which statuses the mixed load's HTTP errors were, per phase (there should be none). */
function httpErrorLines(phases: Phase[]): string[] {
  return phases.flatMap((p) => {
    const counts: Record<string, number> = {};
    for (const s of p.samples) if (s.outcome === "http-error") counts[s.status ?? "?"] = (counts[s.status ?? "?"] ?? 0) + 1;
    const parts = Object.entries(counts).map(([status, n]) => `${status}: ${n}`);
    const slowest = Math.max(...p.samples.filter((s) => s.outcome === "http-error").map((s) => s.ms));
    return parts.length > 0 ? [`HTTP errors in "${p.name}": ${parts.join(", ")} (slowest after ${slowest.toFixed(0)} ms)`] : [];
  });
}

/** The V8 heap limit `npm run start:prod` sets: old space plus three semi-spaces (young generation). */
function productionHeapCapMiB(): number {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> };
  const flags = pkg.scripts["start:prod"]!;
  const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(flags)?.[1] ?? Number.NaN);
  const semiSpace = Number(/--max-semi-space-size=(\d+)/.exec(flags)?.[1] ?? 16);
  return oldSpace + 3 * semiSpace;
}

/** Shipments to look up and one future slot per booking, through the REST API. */
async function seed(base: string, slotCount: number) {
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${base}/api${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_TOKEN}` },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`seeding ${path} answered ${res.status}: ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const trackingNumbers = Array.from({ length: 50 }, (_, i) => `1ZSOAK${String(i).padStart(4, "0")}`);
  for (const trackingNumber of trackingNumbers)
    await api("/shipments", { trackingNumber, status: "in_transit", currentLocation: "Columbus, OH" });
  await api("/services", { code: "soak", name: "Soak consultation", durationMinutes: 15 });
  const slotIds: string[] = [];
  const first = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 7 * 86_400_000;
  for (let offset = 0; offset < slotCount; offset += 1000) {
    const slots = Array.from({ length: Math.min(1000, slotCount - offset) }, (_, i) => ({
      startsAt: new Date(first + (offset + i) * 15 * 60_000).toISOString(),
    }));
    const created = (await api("/slots", { service: "soak", slots })) as { created: { slotId: string }[] };
    slotIds.push(...created.created.map((c) => c.slotId));
  }
  return { trackingNumbers, slotIds, serviceName: "Soak consultation" };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the database did not come back");
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function report(
  phases: Phase[],
  totals: {
    rssStart: number;
    rssEnd: number;
    peakRss: number;
    heap: { beforeGc: number; afterGc: number };
    heapCapMiB: number;
    crashes: number;
    acknowledged: number;
    lost: number;
    reports: number;
    lostReports: number;
    halves: { withoutToolCall: number; claimsWithoutAnswer: number };
  },
) {
  const rows = phases.map((p) => {
    const ms = p.samples.map((s) => s.ms).sort((a, b) => a - b);
    const count = (o: Outcome) => p.samples.filter((s) => s.outcome === o).length;
    return [
      p.name,
      p.samples.length,
      count("ok"),
      count("spoken-error"),
      count("http-error"),
      percentile(ms, 50).toFixed(1),
      percentile(ms, 99).toFixed(1),
    ];
  });
  const header = ["phase", "served", "ok", "spoken errors", "HTTP errors", "p50 ms", "p99 ms"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");
  const attacks = phases.filter((p) => p.attackStats);
  const attackRows = attacks.map((p) => {
    const a = p.attackStats!;
    const refused = Object.entries(a.statuses)
      .filter(([status]) => status !== "200")
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ");
    return [p.name, a.sent, a.acknowledged, refused || "-", a.unanswered];
  });
  const attackHeader = ["attack phase", "requests", "acknowledged", "refused (status: count)", "unanswered"];
  const attackWidths = attackHeader.map((h, i) => Math.max(h.length, ...attackRows.map((r) => String(r[i]).length)));
  const attackLine = (cells: (string | number)[]) =>
    cells.map((c, i) => (i === 0 || i === 3 ? String(c).padEnd(attackWidths[i]!) : String(c).padStart(attackWidths[i]!))).join("  ");
  const out = [
    "",
    line(header),
    ...rows.map(line),
    "",
    attackLine(attackHeader),
    ...attackRows.map(attackLine),
    "",
    ...httpErrorLines(phases),
    `crashes: ${totals.crashes}`,
    `resident memory: ${totals.rssStart.toFixed(0)} MiB at start, ${totals.rssEnd.toFixed(0)} MiB at end, peak ${totals.peakRss.toFixed(0)} MiB`,
    `V8 heap: peak ${totals.heap.beforeGc.toFixed(0)} MiB (at a collection), peak live ${totals.heap.afterGc.toFixed(0)} MiB (after one); heap cap ${totals.heapCapMiB} MiB`,
    `bookings acknowledged: ${totals.acknowledged}; lost (acknowledged codes missing from the database): ${totals.lost}`,
    `call records acknowledged by the attacks: ${totals.reports}; lost (missing from the database): ${totals.lostReports}`,
    `half-written bookings: ${totals.halves.withoutToolCall} without their tool call, ${totals.halves.claimsWithoutAnswer} claims without an answer`,
    "",
    "Spoken errors are answers the caller hears (a fallback offering a person); HTTP errors must be 0.",
    "Attack requests may be refused (503 with Retry-After, 401, 408, 413); each must be answered.",
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
