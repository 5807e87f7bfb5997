/**
 * The benchmark's scenarios. Each names its target from the latency issue; `requires` lists the
 * tools it needs, so a scenario whose tool is absent is reported instead of silently skipped.
 */
import type { Database } from "../../../src/db/client.ts";
import { customers, services, shipments, slots } from "../../../src/db/schema/index.ts";
import { knowledgeBaseScenarios } from "./knowledge-base.ts";
import type { ScenarioResult } from "./report.ts";

export interface BenchContext {
  secret: string;
  /** Short runs (CI smoke): less seed data. */
  smoke: boolean;
  /** Seed data the scenarios prepared, by name. */
  data: Record<string, string[]>;
}

export interface Scenario {
  name: string;
  description: string;
  requires?: string[];
  method: "GET" | "POST";
  path: string;
  /** Body of the i-th request (unique ids where the server must not deduplicate). */
  body?: (i: number, ctx: BenchContext) => string;
  /** Concurrent connections for this scenario instead of `--connections` (a latency figure, not a throughput one). */
  connections?: number;
  /** Requests per second across all connections (autocannon's overallRate): a latency at a realistic rate, not at saturation. */
  rate?: number;
  /** Stop after this many requests (for scenarios that consume seed data, such as cache misses). */
  amount?: (ctx: BenchContext) => number;
  /** Seeds what the scenario needs, directly in the bench database. */
  prepare?: (db: Database, ctx: BenchContext) => Promise<void>;
  /** Runs once before measuring (priming a cache, for instance). */
  prime?: (send: (body: string) => Promise<string>, ctx: BenchContext) => Promise<void>;
  target?: { text: string; met: (r: ScenarioResult, bare: ScenarioResult) => boolean };
}

let seq = 0;
const id = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(seq++).toString(36)}`;

/** A tool-calls message for one call, shaped like Vapi's. */
export function toolCall(name: string, args: Record<string, unknown>, caller = "+15550100000", callId = id("bench-call")): string {
  const call = { id: id("call"), type: "function", function: { name, arguments: JSON.stringify(args) } };
  return JSON.stringify({
    message: {
      type: "tool-calls",
      timestamp: Date.now(),
      call: { id: callId, customer: { number: caller } },
      toolCallList: [call],
      toolCalls: [call],
    },
  });
}

export const speechUpdate = (callId = id("bench-call")) =>
  JSON.stringify({
    message: { type: "speech-update", status: "started", role: "user", turn: 3, timestamp: Date.now(), call: { id: callId } },
  });

export const bare: Scenario = {
  name: "bare route",
  description: "GET /healthz on the same server: the ceiling of this machine",
  method: "GET",
  path: "/healthz",
};

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>, size = 1000) {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const hotCaller = (i: number) => `+1555200${pad(i % 1000, 4)}`;

/** Customers with shipments: a few hot tracking numbers (cache hits) and many cold ones (misses). */
async function seedShipments(db: Database, ctx: BenchContext) {
  const customerRows = Array.from({ length: 1000 }, (_, i) => ({ phone: hotCaller(i), name: `Bench Caller ${i}` }));
  const ids = (await db.insert(customers).values(customerRows).returning({ id: customers.id, phone: customers.phone })).map((r) => r.id);
  const count = ctx.smoke ? 3_000 : 20_000;
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => ({
    trackingNumber: `BENCH${pad(i, 7)}`,
    customerId: ids[i % ids.length]!,
    status: (["in_transit", "out_for_delivery", "exception", "label_created"] as const)[i % 4]!,
    carrier: "UPS",
    origin: "Memphis, TN",
    destination: "Columbus, OH",
    currentLocation: "Louisville, KY",
    estimatedDelivery: new Date(now + 86_400_000 * (1 + (i % 5))),
    delayReason: i % 4 === 2 ? "Weather at the hub" : null,
    lastEventAt: new Date(now - 3_600_000),
  }));
  await insertChunked(rows, (chunk) => db.insert(shipments).values(chunk));
  ctx.data.hotTrackingNumbers = rows.slice(0, 100).map((r) => r.trackingNumber);
  ctx.data.coldTrackingNumbers = rows.slice(100).map((r) => r.trackingNumber);
}

/** A service with many future slots, so every booking takes a slot of its own. */
async function seedSlots(db: Database, ctx: BenchContext) {
  const [service] = await db
    .insert(services)
    .values({ code: "bench", name: "Bench Check", durationMinutes: 30 })
    .returning({ id: services.id });
  const count = ctx.smoke ? 2_000 : 5_000;
  const start = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000;
  const rows = Array.from({ length: count }, (_, i) => ({
    serviceId: service!.id,
    startsAt: new Date(start + i * 1_800_000),
    endsAt: new Date(start + i * 1_800_000 + 1_800_000),
  }));
  const ids: string[] = [];
  await insertChunked(rows, async (chunk) =>
    ids.push(...(await db.insert(slots).values(chunk).returning({ id: slots.id })).map((r) => r.id)),
  );
  ctx.data.slotIds = ids;
}

const isResult = (body: string) => body.includes('"result"') && !body.includes('"error"');

export const scenarios: Scenario[] = [
  bare,
  {
    name: "informational webhook",
    description: "speech-update: authenticated, parsed, answered {}",
    method: "POST",
    path: "/vapi/webhook",
    body: () => speechUpdate(),
    target: { text: "≥70% of bare", met: (r, b) => r.requestsPerSecond >= 0.7 * b.requestsPerSecond && r.errors === 0 },
  },
  {
    name: "shipment, cache hit",
    description: "get_shipment_status on a hot tracking number (Redis hit)",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    prepare: seedShipments,
    prime: async (send, ctx) => {
      for (const n of ctx.data.hotTrackingNumbers ?? []) {
        const answer = await send(toolCall("get_shipment_status", { trackingNumber: n }));
        if (!isResult(answer)) throw new Error(`priming ${n} failed: ${answer}`);
      }
    },
    body: (i, ctx) => toolCall("get_shipment_status", { trackingNumber: ctx.data.hotTrackingNumbers![i % 100] }),
    target: {
      text: "≥50% of bare, p99 ≤ 10 ms",
      met: (r, b) => r.requestsPerSecond >= 0.5 * b.requestsPerSecond && r.p99 <= 10 && r.errors + r.failedAnswers === 0,
    },
  },
  {
    name: "shipment, cache miss",
    description: "get_shipment_status, each number asked once (Redis miss, Postgres load, Redis fill)",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    amount: (ctx) => ctx.data.coldTrackingNumbers?.length ?? 0,
    body: (i, ctx) => toolCall("get_shipment_status", { trackingNumber: ctx.data.coldTrackingNumbers![i] }),
    target: { text: "p99 ≤ 40 ms", met: (r) => r.p99 <= 40 && r.errors + r.failedAnswers === 0 },
  },
  {
    name: "check_availability",
    description: "next open slots of a service (read-through, invalidated by bookings)",
    requires: ["check_availability"],
    method: "POST",
    path: "/vapi/webhook",
    prepare: seedSlots,
    body: () => toolCall("check_availability", { service: "Bench Check" }),
  },
  {
    name: "book_appointment",
    description: "a write: one new booking per request, distinct slots and callers, idempotency row in the same transaction",
    requires: ["book_appointment"],
    method: "POST",
    path: "/vapi/webhook",
    amount: (ctx) => ctx.data.slotIds?.length ?? 0,
    body: (i, ctx) => toolCall("book_appointment", { slotId: ctx.data.slotIds![i], customerName: `Bench ${i}` }, `+1555300${pad(i, 4)}`),
    target: { text: "p99 ≤ 80 ms", met: (r) => r.p99 <= 80 && r.errors + r.failedAnswers === 0 },
  },
  {
    name: "assistant-request",
    description: "assistant-request personalized for a known caller (profile cache warm)",
    method: "POST",
    path: "/vapi/webhook",
    prime: async (send) => {
      for (let i = 0; i < 200; i++) await send(assistantRequestBody(hotCaller(i)));
    },
    body: (i) => assistantRequestBody(hotCaller(i % 200)),
    target: { text: "p99 ≤ 50 ms", met: (r) => r.p99 <= 50 && r.errors === 0 },
  },
  ...knowledgeBaseScenarios,
];

function assistantRequestBody(caller: string): string {
  return JSON.stringify({
    message: { type: "assistant-request", timestamp: Date.now(), call: { id: id("bench-call"), customer: { number: caller } } },
  });
}

/** Run against a bare Hono app (scripts/lab/bench/reference-server.ts), not Switchboard: the floor. */
export const referenceScenarios: Scenario[] = [
  {
    name: "Hono alone, GET",
    description: "a bare Hono app on the same machine, no Switchboard code: GET answered at once",
    method: "GET",
    path: "/",
  },
  {
    name: "Hono alone, POST",
    description: "the same bare app reading and parsing the informational webhook's body, answering {}",
    method: "POST",
    path: "/",
    body: () => speechUpdate(),
  },
];
