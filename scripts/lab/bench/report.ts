/** Renders the benchmark's results as a console table, a Markdown report and an SVG latency chart. */

export interface ScenarioResult {
  name: string;
  description: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** Answers that were HTTP 200 but carried a tool `error` (a fast failure is not a fast success). */
  failedAnswers: number;
  maxRssMiB: number;
  /** The server process's CPU time (user + system) per request: what a request costs, whatever the machine's contention. */
  serverCpuMicros: number;
  /** The server's own p99 (ms) from its histogram, for scenarios that have one (`Scenario.serverHistogram`). */
  serverP99?: number;
  /** Average request body in bytes: what the server reads and parses per request. */
  bodyBytes: number;
  /** The framework's floor on the same bodies, measured just before (scenarios with `floor`). */
  floor?: { requestsPerSecond: number; serverCpuMicros: number; p99: number };
  target?: string;
  verdict?: "met" | "missed" | "n/a";
}

/** The server's own p99, where a scenario measures it. */
const serverSide = (r: ScenarioResult) => (r.serverP99 === undefined ? "" : ` (server p99 ≤ ${r.serverP99} ms)`);

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

const pct = (n: number, of: number | undefined) => (of === undefined ? "–" : `${fmt((100 * n) / of, 0)}%`);
const kb = (bytes: number) => (Number.isFinite(bytes) && bytes > 0 ? fmt(bytes / 1024, 1) : "–");

/** One row's cells: throughput against the bare route and the floor, latency, CPU (and against the floor's), body size. */
function cells(r: ScenarioResult, bare: ScenarioResult | undefined): string[] {
  return [
    r.name,
    fmt(r.requestsPerSecond, 0),
    bare ? pct(r.requestsPerSecond, bare.requestsPerSecond) : "–",
    pct(r.requestsPerSecond, r.floor?.requestsPerSecond),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    fmt(r.serverCpuMicros, 0),
    r.floor ? `${fmt(r.serverCpuMicros / r.floor.serverCpuMicros, 2)}×` : "–",
    kb(r.bodyBytes),
    String(r.errors + r.failedAnswers),
    fmt(r.maxRssMiB, 0),
  ];
}

const HEAD = ["scenario", "req/s", "vs bare", "vs floor", "p50 ms", "p99 ms", "CPU µs/req", "CPU vs floor", "KB/req", "errors", "RSS MiB"];

export function table(results: readonly ScenarioResult[], bare: ScenarioResult | undefined): string {
  const verdict = (r: ScenarioResult) =>
    r.target ? `${r.target} ${r.verdict === "met" ? "✔" : r.verdict === "missed" ? "✘" : ""}${serverSide(r)}` : "";
  const rows = results.map((r) => [...cells(r, bare), verdict(r)]);
  const head = [...HEAD, "target"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const last = head.length - 1;
  const line = (row: string[]) => row.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdown(results: readonly ScenarioResult[], bare: ScenarioResult | undefined, extra: string): string {
  const verdict = (r: ScenarioResult) =>
    `${r.target ?? ""} ${r.verdict === "met" ? "met" : r.verdict === "missed" ? "**missed**" : ""}${serverSide(r)}`.trim();
  return [
    `| ${[...HEAD, "target"].join(" | ")} |`,
    `|---|${HEAD.slice(1)
      .map(() => "---:")
      .join("|")}|---|`,
    ...results.map((r) => `| ${[...cells(r, bare), verdict(r)].join(" | ")} |`),
    "",
    extra,
  ].join("\n");
}

/** A horizontal bar chart of p50 and p99 per scenario, as a self-contained SVG. */
export function latencySvg(results: readonly ScenarioResult[], title: string): string {
  const rowHeight = 34;
  const left = 190;
  const width = 760;
  const plot = width - left - 70;
  const max = Math.max(1, ...results.map((r) => (Number.isFinite(r.p99) ? r.p99 : 0)));
  const scale = (v: number) => (Number.isFinite(v) ? (v / max) * plot : 0);
  const height = 60 + results.length * rowHeight + 30;
  const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const bars = results
    .map((r, i) => {
      const y = 50 + i * rowHeight;
      return [
        `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(r.name)}</text>`,
        `<rect x="${left}" y="${y}" width="${scale(r.p99).toFixed(1)}" height="11" fill="#e4572e"/>`,
        `<rect x="${left}" y="${y + 12}" width="${scale(r.p50).toFixed(1)}" height="11" fill="#4c72b0"/>`,
        `<text x="${left + scale(r.p99) + 6}" y="${y + 10}" class="v">${fmt(r.p99, 2)} ms</text>`,
        `<text x="${left + scale(r.p50) + 6}" y="${y + 22}" class="v">${fmt(r.p50, 2)} ms</text>`,
      ].join("");
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<style>.v{fill:#444;font-size:10px}</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>
<rect x="${left}" y="30" width="10" height="10" fill="#e4572e"/><text x="${left + 14}" y="39">p99</text>
<rect x="${left + 50}" y="30" width="10" height="10" fill="#4c72b0"/><text x="${left + 64}" y="39">p50</text>
${bars}
<text x="${left}" y="${height - 10}" fill="#666">latency in milliseconds (bars scaled to the largest p99: ${fmt(max, 1)} ms)</text>
</svg>
`;
}
