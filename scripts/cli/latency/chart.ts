/**
 * The latency report's chart as hand-built SVG: one row per stage, p50 / p95 / p99 as bars on a
 * shared millisecond scale, the stage's budget as a red line. No library: a few dozen elements.
 */
import type { LatencyReport } from "../../../src/services/latency/report.ts";

const WIDTH = 760;
const ROW = 64;
const LEFT = 120;
const RIGHT = 40;
const TOP = 56;

/** The SVG document for a report. */
export function latencyChart(report: LatencyReport): string {
  const stages = report.stages;
  const max = Math.max(500, ...stages.flatMap((s) => [s.p99Ms ?? 0, s.budgetMs])) * 1.08;
  const x = (ms: number) => LEFT + (ms / max) * (WIDTH - LEFT - RIGHT);
  const height = TOP + stages.length * ROW + 48;
  const parts: string[] = [];
  const title = `Turn latency by stage${report.preset ? ` (${report.preset})` : ""}: ${report.turns} turns in ${report.calls} calls`;
  parts.push(`<text x="${LEFT}" y="24" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(
    `<text x="${LEFT}" y="42" font-size="11" fill="#555">${escapeXml(`${report.since.slice(0, 10)} to ${report.until.slice(0, 10)}; bars p50, p95, p99; red line: budget`)}</text>`,
  );
  for (const [i, s] of stages.entries()) {
    const y = TOP + i * ROW;
    parts.push(`<text x="${LEFT - 10}" y="${y + 26}" font-size="13" text-anchor="end">${s.stage}</text>`);
    const bars: [string, number | null, string][] = [
      ["p50", s.p50Ms, "#4e79a7"],
      ["p95", s.p95Ms, "#f28e2b"],
      ["p99", s.p99Ms, "#e15759"],
    ];
    for (const [j, [label, value, color]] of bars.entries()) {
      if (value === null) continue;
      const by = y + 6 + j * 14;
      parts.push(
        `<rect x="${LEFT}" y="${by}" width="${(x(value) - LEFT).toFixed(1)}" height="11" fill="${color}"><title>${label} ${value} ms</title></rect>`,
      );
      parts.push(`<text x="${(x(value) + 4).toFixed(1)}" y="${by + 10}" font-size="10" fill="#333">${label} ${value}</text>`);
    }
    const bx = x(s.budgetMs).toFixed(1);
    parts.push(
      `<line x1="${bx}" x2="${bx}" y1="${y + 2}" y2="${y + 50}" stroke="#c00" stroke-width="2"><title>budget ${s.budgetMs} ms</title></line>`,
    );
  }
  const axisY = TOP + stages.length * ROW + 8;
  parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${axisY}" y2="${axisY}" stroke="#999"/>`);
  const step = max > 2000 ? 500 : max > 1000 ? 250 : 100;
  for (let ms = 0; ms <= max; ms += step) {
    parts.push(`<text x="${x(ms).toFixed(1)}" y="${axisY + 16}" font-size="10" text-anchor="middle" fill="#555">${ms}</text>`);
  }
  parts.push(`<text x="${WIDTH - RIGHT}" y="${axisY + 32}" font-size="10" text-anchor="end" fill="#555">ms</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
