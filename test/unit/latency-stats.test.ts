// Protects the experiment test: Mann-Whitney's p-values match the textbook (scipy's asymptotic, continuity-corrected) values, ties are handled, and small samples are not tested.
import { describe, expect, it } from "vitest";
import { compareArms } from "../../src/services/latency/experiments.ts";
import { parseReportDate, parseSince } from "../../src/services/latency/report.ts";
import { MIN_SAMPLE, mannWhitney, normalCdf } from "../../src/services/latency/stats.ts";

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe("mannWhitney", () => {
  it("finds two samples that do not overlap clearly different", () => {
    // scipy.stats.mannwhitneyu(range(1, 11), range(11, 21), method="asymptotic"): p = 0.000183
    expect(mannWhitney(range(1, 10), range(11, 10)).p).toBeCloseTo(0.000183, 5);
  });

  it("finds identical samples no different, ties and all", () => {
    expect(mannWhitney([5, 5, 5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5, 5, 5]).p).toBe(1);
    expect(mannWhitney(range(1, 12), range(1, 12)).p).toBe(1);
  });

  it("gives interleaved samples a large p", () => {
    const odd = range(0, 10).map((i) => 2 * i + 1);
    const even = range(0, 10).map((i) => 2 * i + 2);
    // scipy: U = 45, p = 0.7337
    expect(mannWhitney(odd, even).p).toBeCloseTo(0.7337, 3);
  });

  it("makes no test below the minimum sample, and says so with the sizes", () => {
    expect(mannWhitney(range(1, MIN_SAMPLE - 1), range(1, 20))).toEqual({ n1: MIN_SAMPLE - 1, n2: 20, p: null });
    const calls = (arm: string, n: number) =>
      range(0, n).map(() => ({
        experiment: "e",
        arm,
        turns: 3,
        meanTurnMs: 500,
        interruptions: 0,
        durationSeconds: 60,
        transferred: false,
      }));
    const [latency] = compareArms("e", [...calls("a", 3), ...calls("b", 12)]).metrics;
    expect(latency!.verdict).toBe(`too few calls to test (3 vs 12 calls; at least ${MIN_SAMPLE} per arm)`);
    expect(compareArms("e", calls("a", 20)).metrics[0]!.verdict).toBe("one arm only: nothing to compare yet");
  });

  it("uses a normal CDF accurate to the fourth decimal", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1.96)).toBeCloseTo(0.025, 4);
  });
});

describe("parseSince", () => {
  const now = new Date("2026-11-25T12:00:00Z");
  it("reads relative windows and dates, and refuses the rest", () => {
    expect(parseSince("7d", now)?.toISOString()).toBe("2026-11-18T12:00:00.000Z");
    expect(parseSince("24h", now)?.toISOString()).toBe("2026-11-24T12:00:00.000Z");
    expect(parseSince("90m", now)?.toISOString()).toBe("2026-11-25T10:30:00.000Z");
    expect(parseSince("2026-11-01", now)?.toISOString()).toBe("2026-11-01T00:00:00.000Z");
    for (const bad of ["1w", "yesterday", "400d", "2027-01-01", "", "7 d", "1999-01-01"]) expect(parseSince(bad, now), bad).toBeUndefined();
  });

  it("takes at most a year back, in any unit", () => {
    expect(parseSince("365d", now)?.toISOString()).toBe("2025-11-25T12:00:00.000Z");
    expect(parseSince("8760h", now)?.toISOString()).toBe("2025-11-25T12:00:00.000Z");
    for (const bad of ["366d", "8761h", "525601m"]) expect(parseSince(bad, now), bad).toBeUndefined();
  });

  it("refuses a day the month does not have instead of reading it as a later one", () => {
    for (const bad of ["2026-02-30", "2026-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-11-01T24:00:00Z", "2026-11-01 junk"]) {
      expect(parseSince(bad, now), bad).toBeUndefined();
    }
    expect(parseSince("2024-02-29", now)?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(parseSince("2026-03-01T08:30:00Z", now)?.toISOString()).toBe("2026-03-01T08:30:00.000Z");
    expect(parseSince("2026-03-01T08:30:00-05:00", now)?.toISOString()).toBe("2026-03-01T13:30:00.000Z");
    expect(parseReportDate("2026-02-30")).toBeUndefined();
  });
});
