/**
 * The benchmark's scenarios. Each names its target from the latency issue; `requires` lists the
 * tools it needs, so a scenario whose tool is absent is reported instead of silently skipped.
 */
import type postgres from "postgres";
import type { ScenarioResult } from "./report.ts";

export interface BenchContext {
  secret: string;
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
  /** Stop after this many requests (for scenarios that consume seed data, such as cache misses). */
  amount?: (ctx: BenchContext) => number;
  /** Seeds what the scenario needs, directly in the bench database. */
  prepare?: (sql: postgres.Sql, ctx: BenchContext) => Promise<void>;
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
    name: "tool, no data",
    description: "get_business_hours: the tool runtime with no I/O",
    requires: ["get_business_hours"],
    method: "POST",
    path: "/vapi/webhook",
    body: () => toolCall("get_business_hours", {}),
  },
  {
    name: "assistant-request",
    description: "assistant-request for a known caller",
    method: "POST",
    path: "/vapi/webhook",
    body: () =>
      JSON.stringify({
        message: { type: "assistant-request", timestamp: Date.now(), call: { id: id("bench-call"), customer: { number: "+15550100000" } } },
      }),
    target: { text: "p99 ≤ 50 ms", met: (r) => r.p99 <= 50 && r.errors === 0 },
  },
];
