/**
 * Soak run: a mixed load against a server process on private Postgres and Redis, with faults
 * injected on a schedule. Reports per phase (requests, errors, p99), the server's resident memory
 * at start and end, and the lost-write count (acknowledged confirmation codes missing from the
 * database), which must be zero. Runs the production build (`npm run build`). Not part of CI: `npm run soak` (10 minutes) or `-- --minutes 2`.
 */
import { randomBytes, randomInt } from "node:crypto";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { createDatabase } from "../../src/db/client.ts";
import { runMigrations } from "../../src/db/migrate.ts";
import { halfWrittenBookings, lostCodes } from "./lib/booking-audit.ts";
import { startPostgres, startRedis } from "./lib/private-services.ts";
import { buildProductionBundle, residentMiB, startServerProcess } from "./lib/server-process.ts";

const { values } = parseArgs({ options: { minutes: { type: "string", default: "10" }, rate: { type: "string", default: "60" } } });
const minutes = Number(values.minutes);
const rate = Number(values.rate); // requests per second, all kinds together
if (!(minutes > 0) || !(rate > 0)) throw new Error("--minutes and --rate must be positive numbers");

const SECRET = randomBytes(24).toString("base64url");
const API_TOKEN = randomBytes(24).toString("base64url");
const BOOKING_SHARE = 0.2;

type Outcome = "ok" | "spoken-error" | "http-error";
interface Sample {
  ms: number;
  outcome: Outcome;
}
interface Phase {
  name: string;
  /** Injected at the start of the phase, undone half-way through. */
  fault?: { inject(): Promise<void> | void; undo(): Promise<void> | void };
  samples: Sample[];
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
        API_TOKEN,
        HOST: "127.0.0.1",
        PORT: "0",
        DEMO_DATA: "off",
        LOG_LEVEL: "error",
        SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
      },
      60_000,
      "bundle",
    );
    cleanup.unshift(() => server.stop());
    const pid = server.child.pid!;

    const { trackingNumbers, slotIds, serviceName } = await seed(server.base, Math.ceil((totalMs / 1000) * rate * BOOKING_SHARE * 1.2));
    const rssStart = await residentMiB(pid);

    const phases: Phase[] = [
      { name: "baseline", samples: [] },
      { name: "redis stopped", fault: { inject: () => redis.stop(), undo: () => redis.start() }, samples: [] },
      { name: "redis paused", fault: { inject: () => redis.pause(), undo: () => redis.resume() }, samples: [] },
      { name: "postgres paused", fault: { inject: () => postgres.pause(), undo: () => postgres.resume() }, samples: [] },
      { name: "postgres stopped", fault: { inject: () => postgres.stop(), undo: () => postgres.start() }, samples: [] },
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
    }
    await Promise.all(inFlight);
    const rssEnd = await residentMiB(pid);

    await waitFor(() => database.db.execute(sql`select 1`).then(() => true));
    const lost = await lostCodes(database.db, acknowledged);
    const halves = await halfWrittenBookings(database.db);
    report(phases, { rssStart, rssEnd, acknowledged: acknowledged.length, lost: lost.length, halves });
    const httpErrors = phases.reduce((n, p) => n + p.samples.filter((s) => s.outcome === "http-error").length, 0);
    if (lost.length > 0 || halves.withoutToolCall > 0 || halves.claimsWithoutAnswer > 0 || httpErrors > 0) process.exitCode = 1;
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
    if (res.status !== 200) return { sample: { ms, outcome: "http-error" } };
    const answer = json.results?.[0];
    if (answer?.error !== undefined) return { sample: { ms, outcome: "spoken-error" } };
    const code =
      kind === "booking" && answer?.result ? (JSON.parse(answer.result) as { confirmationCode?: string }).confirmationCode : undefined;
    return { sample: { ms, outcome: "ok" }, ...(code ? { code } : {}) };
  } catch {
    return { sample: { ms: performance.now() - started, outcome: "http-error" } };
  }
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
    acknowledged: number;
    lost: number;
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
  const out = [
    "",
    line(header),
    ...rows.map(line),
    "",
    `resident memory: ${totals.rssStart.toFixed(0)} MiB at start, ${totals.rssEnd.toFixed(0)} MiB at end`,
    `bookings acknowledged: ${totals.acknowledged}`,
    `lost writes (acknowledged codes missing from the database): ${totals.lost}`,
    `half-written bookings: ${totals.halves.withoutToolCall} without their tool call, ${totals.halves.claimsWithoutAnswer} claims without an answer`,
    "",
    "Spoken errors are answers the caller hears (a fallback offering a person); HTTP errors must be 0.",
  ];
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
