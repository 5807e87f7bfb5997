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
  const cache = new Counter({
    name: "switchboard_cache_lookups_total",
    help: "Read-through cache lookups by outcome",
    labelNames: ["area", "outcome"] as const,
    registers: [registry],
  });
  const messages = new Counter({
    name: "switchboard_webhook_messages_total",
    help: "Vapi server messages received, by type",
    labelNames: ["type"] as const,
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
    cacheLookup: (area, outcome) => cache.inc({ area, outcome }),
    // Message types come from the request: unknown ones share a label so they cannot blow up cardinality.
    webhookMessage: (type) => messages.inc({ type: KNOWN_TYPES.has(type) ? type : "other" }),
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
