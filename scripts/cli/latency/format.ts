/** The latency report as text for the terminal (`npm run latency`). */
import type { ExperimentComparison } from "../../../src/services/latency/experiments.ts";
import type { LatencyReport } from "../../../src/services/latency/report.ts";

/**
 * Text from stored reports (call ids, presets, experiment and arm names) as it may reach a
 * terminal: control characters (escape sequences, bells, carriage returns) and bidirectional
 * overrides shown as "?", so a payload cannot clear the screen, retitle the window or rewrite a line.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "?");
}

const pct = (share: number | null) => (share === null ? "-" : `${(share * 100).toFixed(1)}%`);
const msText = (ms: number | null) => (ms === null ? "-" : `${ms} ms`);

/** The report, a few aligned tables. */
export function formatReport(report: LatencyReport, experiments: readonly ExperimentComparison[] = []): string {
  const lines: string[] = [];
  lines.push(
    `Latency ${report.since.slice(0, 16).replace("T", " ")} to ${report.until.slice(0, 16).replace("T", " ")} UTC${report.preset ? `, preset ${printable(report.preset)}` : ""}: ${report.calls} calls, ${report.turns} turns`,
  );
  if (report.turns === 0) {
    lines.push("No turns stored in this window: end-of-call reports with performance metrics fill it (see docs/latency.md).");
    return `${lines.join("\n")}\n`;
  }
  lines.push("");
  lines.push(`${"stage".padEnd(12)}${"p50".padStart(9)}${"p95".padStart(9)}${"p99".padStart(9)}${"budget".padStart(9)}  over budget`);
  for (const s of report.stages) {
    const flag = s.p95Ms !== null && s.p95Ms > s.budgetMs ? "  << p95 over budget" : "";
    lines.push(
      `${s.stage.padEnd(12)}${msText(s.p50Ms).padStart(9)}${msText(s.p95Ms).padStart(9)}${msText(s.p99Ms).padStart(9)}${`${s.budgetMs} ms`.padStart(9)}  ${pct(s.overBudgetShare).padStart(6)} of ${s.samples}${flag}`,
    );
  }
  lines.push("");
  lines.push(`Turns over 500 ms: ${pct(report.turnsOver500msShare)}`);
  const { user, assistant } = report.interruptionsPerCall;
  lines.push(`Interruptions per call: ${user ?? "-"} by the assistant (talking over the caller), ${assistant ?? "-"} by the caller`);
  if (report.slowestCalls.length > 0) {
    lines.push("");
    lines.push("Slowest calls (mean turn latency, worst stage against its budget):");
    for (const c of report.slowestCalls) {
      const worst = c.worstStage ? `${c.worstStage.stage} ${c.worstStage.meanMs} ms (budget ${c.worstStage.budgetMs})` : "-";
      lines.push(
        `  ${printable(c.callId).padEnd(40)} ${printable(c.preset ?? "?").padEnd(11)} ${msText(c.meanTurnMs).padStart(8)}  ${c.turns} turns  worst: ${worst}`,
      );
    }
  }
  for (const e of experiments) {
    lines.push("");
    lines.push(
      `Experiment ${printable(e.experiment)}: ${e.arms.map((a) => `${printable(a.arm)} (${a.calls} calls, ${a.turns} turns)`).join(" vs ")}`,
    );
    for (const m of e.metrics) {
      const values = m.arms.map((a) => `${printable(a.arm)} ${a.value === null ? "-" : a.value}${m.unit}`).join(" vs ");
      lines.push(`  ${m.name.padEnd(22)} ${values}  ${m.verdict}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
