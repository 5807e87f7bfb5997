// Protects `npm run latency`'s text output: labels stored from reports (call ids, presets, experiment and arm names) reach the operator's terminal without any control character or escape sequence.
import { describe, expect, it } from "vitest";
import { formatReport, printable } from "../../scripts/cli/latency/format.ts";
import type { ExperimentComparison } from "../../src/services/latency/experiments.ts";
import type { LatencyReport } from "../../src/services/latency/report.ts";

const ESC = "\u001b";
const CLEAR = `${ESC}[2J${ESC}[31mFAKE: all budgets met${ESC}[0m`;
const TITLE = `${ESC}]0;pwned\u0007`;

const report: LatencyReport = {
  since: "2026-01-01T00:00:00.000Z",
  until: "2026-01-08T00:00:00.000Z",
  preset: null,
  calls: 1,
  turns: 1,
  stages: [{ stage: "turn", budgetMs: 500, samples: 1, p50Ms: 600, p95Ms: 600, p99Ms: 600, overBudgetShare: 1 }],
  turnsOver500msShare: 1,
  interruptionsPerCall: { user: 0, assistant: 0 },
  slowestCalls: [
    { callId: `call-${CLEAR}`, preset: `x\r${TITLE}`, endedAt: "2026-01-02T00:00:00.000Z", turns: 1, meanTurnMs: 600, worstStage: null },
  ],
};
const experiments: ExperimentComparison[] = [
  {
    experiment: CLEAR,
    arms: [
      { arm: TITLE, calls: 1, turns: 1 },
      { arm: "b\u202ecba", calls: 1, turns: 1 },
    ],
    metrics: [
      {
        name: "turn latency",
        unit: " ms",
        arms: [
          { arm: TITLE, value: 600 },
          { arm: "b", value: 500 },
        ],
        p: null,
        significant: false,
        verdict: "too few calls",
      },
    ],
  },
];

describe("npm run latency's text", () => {
  it("shows control characters and direction overrides from stored labels as ?, keeping the rest", () => {
    const text = formatReport(report, experiments);
    // Only the line breaks the report itself writes remain.
    const controls = [...text].filter((ch) => {
      const code = ch.codePointAt(0)!;
      return (code < 0x20 && ch !== "\n") || (code >= 0x7f && code <= 0x9f) || (code >= 0x202a && code <= 0x202e);
    });
    expect(controls).toEqual([]);
    expect(text).toContain("Experiment ?[2J?[31mFAKE: all budgets met?[0m: ?]0;pwned? (1 calls, 1 turns) vs b?cba (1 calls, 1 turns)");
    expect(text).toContain("call-?[2J?[31mFAKE");
    expect(text.split("\n").filter((line) => line.includes("FAKE"))).toHaveLength(2);
  });

  it("leaves ordinary labels as they are", () => {
    expect(printable("adaptive-trial scheduling +15550100001 café")).toBe("adaptive-trial scheduling +15550100001 café");
  });
});
