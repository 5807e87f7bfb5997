/** Prometheus-backed metrics for the Node entry (prom-client, one registry per app instance). */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Metrics } from "./metrics.ts";

const KNOWN_TYPES = new Set([
  "assistant-request",
  "tool-calls",
  "status-update",
  "end-of-call-report",
  "transfer-destination-request",
  "knowledge-base-request",
  "conversation-update",
  "speech-update",
  "transcript",
  "hang",
  "user-interrupted",
  "model-output",
  "transfer-update",
  "handoff-destination-request",
  "call.endpointing.request",
]);

export function createPrometheusMetrics(options: { defaultMetrics?: boolean; maxTrackedCalls?: number } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const toolDuration = new Histogram({
    name: "switchboard_tool_call_duration_seconds",
    help: "Server-side duration of tool calls",
    labelNames: ["tool", "outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5],
    registers: [registry],
  });
  const toolErrors = new Counter({
    name: "switchboard_tool_errors_total",
    help: "Tool calls answered with an error, by kind",
    labelNames: ["tool", "kind"] as const,
    registers: [registry],
  });
  const overruns = new Counter({
    name: "switchboard_tool_budget_exceeded_total",
    help: "Tool calls that ran out of budget",
    labelNames: ["tool"] as const,
    registers: [registry],
  });
  // The two counters hit on every request are kept as plain numbers and handed to prom-client
  // when scraped: its per-increment label hashing showed in the webhook's CPU profile.
  const cacheCounts = new Map<string, { labels: { area: string; outcome: string }; n: number }>();
  new Counter({
    name: "switchboard_cache_lookups_total",
    help: "Read-through cache lookups by outcome",
    labelNames: ["area", "outcome"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { labels, n } of cacheCounts.values()) this.inc(labels, n);
    },
  });
  const messageCounts = new Map<string, number>();
  new Counter({
    name: "switchboard_webhook_messages_total",
    help: "Vapi server messages received, by type",
    labelNames: ["type"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [type, n] of messageCounts) this.inc({ type }, n);
    },
  });
  const routing = new Counter({
    name: "switchboard_routing_decisions_total",
    help: "Routing decisions: assistant-request (reject, forward, assistant, squad) and squad handoffs (handoff, refused), by the rule that decided",
    labelNames: ["message", "outcome", "rule"] as const,
    registers: [registry],
  });
  const endpointing = new Counter({
    name: "switchboard_endpointing_decisions_total",
    help: "Adaptive endpointing decisions (call.endpointing.request), by preset and the rule that decided",
    labelNames: ["preset", "rule"] as const,
    registers: [registry],
  });
  const endpointingWait = new Histogram({
    name: "switchboard_endpointing_timeout_seconds",
    help: "The end-of-turn wait decided for the caller's silence, by preset",
    labelNames: ["preset"] as const,
    buckets: [0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.2, 1.5, 2, 3],
    registers: [registry],
  });
  const endpointingTime = new Histogram({
    name: "switchboard_endpointing_answer_seconds",
    help: "Server-side time to answer call.endpointing.request, from the request's body to the answer (the budget: p99 under 5 ms)",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025],
    registers: [registry],
  });
  const stageLatency = new Histogram({
    name: "switchboard_turn_latency_seconds",
    help: "Per-turn latency by stage (transcriber, endpointing, model, voice, turn) from end-of-call reports, by preset",
    labelNames: ["preset", "stage"] as const,
    // 0.15, 0.2 and 0.5 are the stage budgets (docs/latency.md): the alert rules read those buckets.
    buckets: [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5],
    registers: [registry],
  });
  const interruptions = new Counter({
    name: "switchboard_interruptions_total",
    help: "Interruptions from end-of-call reports: who (user: the assistant talked over the caller; assistant: the caller talked over the assistant), by preset",
    labelNames: ["preset", "who"] as const,
    registers: [registry],
  });
  const reportedCalls = new Counter({
    name: "switchboard_latency_reported_calls_total",
    help: "Calls whose end-of-call report carried performance metrics, by preset",
    labelNames: ["preset"] as const,
    registers: [registry],
  });
  const inProgress = new Gauge({
    name: "switchboard_calls_in_progress",
    help: "Calls seen in progress by this instance",
    registers: [registry],
  });

  // Bounded: a call whose "ended" never arrives must not grow the set forever.
  const active = new Set<string>();
  const maxTracked = options.maxTrackedCalls ?? 100_000;

  return {
    toolCall(tool, seconds, outcome, errorKind) {
      toolDuration.observe({ tool, outcome }, seconds);
      if (outcome === "error") toolErrors.inc({ tool, kind: errorKind ?? "internal" });
    },
    budgetExceeded: (tool) => overruns.inc({ tool }),
    cacheLookup(area, outcome) {
      const key = `${area}\u0000${outcome}`;
      const entry = cacheCounts.get(key);
      if (entry) entry.n++;
      else cacheCounts.set(key, { labels: { area, outcome }, n: 1 });
    },
    webhookMessage(type) {
      // Message types come from the request: unknown ones share a label so they cannot blow up cardinality.
      const label = KNOWN_TYPES.has(type) ? type : "other";
      messageCounts.set(label, (messageCounts.get(label) ?? 0) + 1);
    },
    routingDecision: (message, outcome, rule) => routing.inc({ message, outcome, rule }),
    endpointingDecision(preset, rule, seconds) {
      endpointing.inc({ preset, rule });
      endpointingWait.observe({ preset }, seconds);
    },
    endpointingAnswered: (elapsed) => endpointingTime.observe(elapsed),
    turnLatencies(preset, turns, counts) {
      for (const turn of turns) {
        for (const [stage, ms] of Object.entries(turn)) if (ms !== undefined) stageLatency.observe({ preset, stage }, ms / 1000);
      }
      interruptions.inc({ preset, who: "user" }, counts.user);
      interruptions.inc({ preset, who: "assistant" }, counts.assistant);
      reportedCalls.inc({ preset });
    },
    callStatus(callId, status) {
      if (status === "in-progress" && !active.has(callId) && active.size < maxTracked) active.add(callId);
      else if (status === "ended") active.delete(callId);
      inProgress.set(active.size);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
