// Protects the Grafana dashboard and the Prometheus alert rules from drifting away from the metrics the server actually exports.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createPrometheusMetrics } from "../../src/telemetry/prometheus.ts";

/** The names of every sample the server exports once each metric has seen a value. */
async function exportedNames(): Promise<Set<string | undefined>> {
  const metrics = createPrometheusMetrics();
  metrics.toolCall("t", 0.01, "error", "internal");
  metrics.cacheLookup("a", "hit");
  metrics.budgetExceeded("t");
  metrics.webhookMessage("hang");
  metrics.endpointingDecision!("scheduling", "filler", 2);
  metrics.turnLatencies!("scheduling", [{ transcriber: 1, endpointing: 1, model: 1, voice: 1, turn: 4 }], { user: 1, assistant: 1 });
  const exported = (await metrics.render!()).body;
  return new Set([...exported.matchAll(/^([a-z_]+)(?:\{| )/gm)].map((m) => m[1]));
}

const metricNames = (expr: string) => [...expr.matchAll(/\b(switchboard_[a-z_]+|process_[a-z_]+)/g)].map((m) => m[1]);

describe("docs/grafana/switchboard.json", () => {
  it("only queries metrics that exist, with a latency-budget row", async () => {
    const dashboard = JSON.parse(await readFile(new URL("../../docs/grafana/switchboard.json", import.meta.url), "utf8")) as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
    };
    const names = await exportedNames();
    const used = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => metricNames(t.expr)));
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(names, `${name} is not exported`).toContain(name);
    expect(dashboard.panels.find((p) => p.type === "row")?.title).toMatch(/^Latency budget/);
    expect(used).toContain("switchboard_turn_latency_seconds_bucket");
  });
});

describe("docs/alerts/switchboard-latency.rules.yml", () => {
  it("alerts on the share of turns over 500 ms and on each stage's budget, from metrics that exist", async () => {
    const text = await readFile(new URL("../../docs/alerts/switchboard-latency.rules.yml", import.meta.url), "utf8");
    const names = await exportedNames();
    const used = metricNames(text.replace(/^\s*#.*$/gm, ""));
    for (const name of used) expect(names, `${name} is not exported`).toContain(name);
    const alerts = [...text.matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    expect(alerts).toEqual([
      "TurnsOver500msShareHigh",
      "TranscriberOverBudget",
      "EndpointingOverBudget",
      "ModelOverBudget",
      "VoiceOverBudget",
    ]);
    expect(text.match(/for: 15m/g)).toHaveLength(alerts.length);
    // The 500 ms share reads the histogram's own 0.5 s bucket: it must exist.
    expect(text).toContain('le="0.5"');
  });
});
