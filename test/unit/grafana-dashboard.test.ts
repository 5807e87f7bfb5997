// Protects the Grafana dashboard from drifting away from the metrics the server actually exports.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { createPrometheusMetrics } from "../../src/telemetry/prometheus.ts";

describe("docs/grafana/switchboard.json", () => {
  it("only queries metrics that exist", async () => {
    const dashboard = JSON.parse(await readFile(new URL("../../docs/grafana/switchboard.json", import.meta.url), "utf8")) as {
      panels: { targets: { expr: string }[] }[];
    };
    const metrics = createPrometheusMetrics();
    metrics.toolCall("t", 0.01, "error", "internal");
    metrics.cacheLookup("a", "hit");
    metrics.budgetExceeded("t");
    metrics.webhookMessage("hang");
    const exported = (await metrics.render!()).body;
    const names = new Set([...exported.matchAll(/^([a-z_]+)(?:\{| )/gm)].map((m) => m[1]));
    const used = dashboard.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/\b(switchboard_[a-z_]+|process_[a-z_]+)/g)].map((m) => m[1])),
    );
    expect(used.length).toBeGreaterThan(5);
    for (const name of used) expect(names, `${name} is not exported`).toContain(name);
  });
});
