/**
 * The benchmark's scenarios. Each names its target from the latency issue; `requires` lists the
 * tools it needs, so a scenario whose tool is absent is reported instead of silently skipped.
 */
import type { Database } from "../../../src/db/client.ts";
import { customers, services, shipments, slots } from "../../../src/db/schema/index.ts";
import type { Traffic } from "./bodies.ts";
import { knowledgeBaseScenarios } from "./knowledge-base.ts";
import type { ScenarioResult } from "./report.ts";

export interface BenchContext {
  secret: string;
  /** Short runs (CI smoke): less seed data. */
  smoke: boolean;
  /** Seed data the scenarios prepared, by name. */
  data: Record<string, string[]>;
  /** Realistic bodies (set once the server runs: they carry the assistant it serves). */
  traffic?: Traffic;
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
  /**
   * Measure the framework's floor on the same bodies first: a bare Hono app reading and parsing
   * them (scripts/lab/bench/reference-server.ts), so the scenario's cost is seen against what any
   * handler of these requests costs.
   */
  floor?: boolean;
  target?: { text: string; met: (r: ScenarioResult, bare: ScenarioResult, floor: ScenarioResult | undefined) => boolean };
  /** A histogram in /metrics timing this scenario inside the server: its p99 is read after the run. */
  serverHistogram?: string;
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

/** Turns of conversation in the realistic scenarios' messages: a call a few minutes in. */
export const TURNS = 20;
const traffic = (ctx: BenchContext) => ctx.traffic!;
const ofFloor = (r: ScenarioResult, floor: ScenarioResult | undefined, share: number) =>
  floor !== undefined && r.requestsPerSecond >= share * floor.requestsPerSecond;
const hotCall = (i: number, ctx: BenchContext, turns = TURNS) =>
  traffic(ctx).toolCall(turns, "get_shipment_status", {
    callId: `bench-hot-${i % 100}`,
    caller: hotCaller(i),
    toolCallId: `call_hot${i}`,
    args: { trackingNumber: ctx.data.hotTrackingNumbers![i % 100]! },
  });

export const scenarios: Scenario[] = [
  bare,
  {
    name: "speech-update, 20 turns",
    description: "informational, realistic body: authenticated, parsed, answered {}",
    method: "POST",
    path: "/vapi/webhook",
    floor: true,
    body: (i, ctx) => traffic(ctx).speechUpdate(TURNS, `bench-speech-${i}`),
    target: { text: "≥ 80% of floor", met: (r, _b, f) => ofFloor(r, f, 0.8) && r.errors === 0 },
  },
  {
    name: "status-update, 20 turns",
    description: "informational, realistic body; stores the call's status (a Postgres upsert) before answering {}",
    method: "POST",
    path: "/vapi/webhook",
    floor: true,
    body: (i, ctx) => traffic(ctx).statusUpdate(TURNS, `bench-status-${i}`),
    target: { text: "≥ 80% of floor", met: (r, _b, f) => ofFloor(r, f, 0.8) && r.errors === 0 },
  },
  {
    name: "cache hit, 20 turns",
    description: "get_shipment_status on a hot tracking number, in a realistic 20-turn tool-calls message",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    floor: true,
    prepare: seedShipments,
    prime: async (send, ctx) => {
      for (let i = 0; i < 100; i++) {
        const answer = await send(hotCall(i, ctx));
        if (!isResult(answer)) throw new Error(`priming ${ctx.data.hotTrackingNumbers![i]} failed: ${answer}`);
      }
    },
    body: (i, ctx) => hotCall(i, ctx),
    target: {
      text: "≥ 60% of floor, CPU ≤ 2× floor, p99 ≤ 10 ms",
      met: (r, _b, f) =>
        ofFloor(r, f, 0.6) &&
        f !== undefined &&
        r.serverCpuMicros <= 2 * f.serverCpuMicros &&
        r.p99 <= 10 &&
        r.errors + r.failedAnswers === 0,
    },
  },
  {
    name: "cache hit, 60 turns",
    description: "the same at 60 turns (a long call): what the body's size costs",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    floor: true,
    body: (i, ctx) => hotCall(i, ctx, 60),
  },
  {
    name: "cache hit, small body",
    description: "the same lookup in a 300-byte message (the old benchmark's body), for comparison",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    body: (i, ctx) => toolCall("get_shipment_status", { trackingNumber: ctx.data.hotTrackingNumbers![i % 100] }),
  },
  {
    name: "cache miss, 20 turns",
    description: "get_shipment_status, each number asked once (Redis miss, Postgres load, Redis fill)",
    requires: ["get_shipment_status"],
    method: "POST",
    path: "/vapi/webhook",
    amount: (ctx) => ctx.data.coldTrackingNumbers?.length ?? 0,
    body: (i, ctx) =>
      traffic(ctx).toolCall(TURNS, "get_shipment_status", {
        callId: `bench-miss-${i % 500}`,
        caller: hotCaller(i),
        toolCallId: `call_miss${i}`,
        args: { trackingNumber: ctx.data.coldTrackingNumbers![i]! },
      }),
    target: { text: "p99 ≤ 40 ms", met: (r) => r.p99 <= 40 && r.errors + r.failedAnswers === 0 },
  },
  {
    name: "check_availability, 20 turns",
    description: "next open slots of a service (read-through, invalidated by bookings)",
    requires: ["check_availability"],
    method: "POST",
    path: "/vapi/webhook",
    prepare: seedSlots,
    body: (i, ctx) =>
      traffic(ctx).toolCall(TURNS, "check_availability", {
        callId: `bench-avail-${i}`,
        caller: hotCaller(i),
        toolCallId: `call_avail${i}`,
        args: { service: "Bench Check" },
      }),
  },
  {
    name: "book_appointment, 20 turns",
    description: "a write: one new booking per request, distinct slots and callers, idempotency row in the same transaction",
    requires: ["book_appointment"],
    method: "POST",
    path: "/vapi/webhook",
    amount: (ctx) => ctx.data.slotIds?.length ?? 0,
    body: (i, ctx) =>
      traffic(ctx).toolCall(TURNS, "book_appointment", {
        callId: `bench-book-${i}`,
        caller: `+1555300${pad(i, 4)}`,
        toolCallId: `call_book${i}`,
        args: { slotId: ctx.data.slotIds![i]!, customerName: `Bench ${i}` },
      }),
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
  {
    name: "call.endpointing.request",
    description: "adaptive endpointing inside every turn: the conversation so far, the rules of assistant.config.ts (no I/O)",
    method: "POST",
    path: "/vapi/webhook",
    prime: async (send) => {
      // The second turn: the caller is reading out digits, which the reading-digits rule holds for 1.6 s.
      const answer = await send(endpointingRequestBody(1));
      if (JSON.parse(answer).timeoutSeconds !== 1.6) throw new Error(`unexpected endpointing answer: ${answer}`);
    },
    body: (i) => endpointingRequestBody(i),
    serverHistogram: "switchboard_endpointing_answer_seconds",
    // p99 inside the server (its histogram); the load generator's p99 adds the queue of 50 connections.
    target: {
      text: "server-side p99 ≤ 5 ms",
      met: (r) => r.serverP99 !== undefined && r.serverP99 <= 5 && r.errors === 0,
    },
  },
  ...knowledgeBaseScenarios,
];

/** Turns a scheduling call goes through: each request carries the conversation so far, as Vapi sends it. */
const ENDPOINTING_TURNS: [string, string][] = [
  ["Thanks for calling. How can I help?", "Hi, I need to move my appointment and"],
  ["Sure. Can I have your account number?", "Yes, it's 4 4 1 9"],
  ["How do you spell your last name?", "P A T E"],
  ["Which day works best?", "Thursday at, um,"],
  ["Would you like Thursday at three?", "Yes."],
  ["Anything else I can help with?", "No, that's all, thanks."],
];

function endpointingRequestBody(i: number): string {
  const upTo = (i % ENDPOINTING_TURNS.length) + 1;
  const messages = ENDPOINTING_TURNS.slice(0, upTo).flatMap(([bot, user], n) => [
    { role: "bot", message: bot, time: 1_700_000_000_000 + n * 4000, secondsFromStart: n * 4 },
    { role: "user", message: user, time: 1_700_000_002_000 + n * 4000, secondsFromStart: n * 4 + 2 },
  ]);
  return JSON.stringify({
    message: {
      type: "call.endpointing.request",
      timestamp: Date.now(),
      call: { id: id("bench-call"), phoneNumberId: "bench-line" },
      assistant: { metadata: { preset: "scheduling" } },
      messages: [{ role: "system", message: "You are the phone assistant.", time: 1_700_000_000_000, secondsFromStart: 0 }, ...messages],
    },
  });
}

function assistantRequestBody(caller: string): string {
  return JSON.stringify({
    message: { type: "assistant-request", timestamp: Date.now(), call: { id: id("bench-call"), customer: { number: caller } } },
  });
}

/** Run against a bare Hono app (scripts/lab/bench/reference-server.ts), not Switchboard: the floor of a GET. */
export const referenceScenarios: Scenario[] = [
  {
    name: "Hono alone, GET",
    description: "a bare Hono app on the same machine, no Switchboard code: GET answered at once",
    method: "GET",
    path: "/",
  },
];
