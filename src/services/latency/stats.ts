/**
 * A two-sample test for experiment arms: Mann-Whitney U with the normal approximation, tie
 * correction and continuity correction. No assumption of normality (latencies are skewed), and
 * plain enough to check by hand.
 */

export interface TwoSampleTest {
  n1: number;
  n2: number;
  /** Two-sided p-value; null when a sample is too small to test. */
  p: number | null;
}

/** Below this many values in either sample, no test is made. */
export const MIN_SAMPLE = 8;

/** Mann-Whitney U test of `a` against `b`. */
export function mannWhitney(a: readonly number[], b: readonly number[]): TwoSampleTest {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 < MIN_SAMPLE || n2 < MIN_SAMPLE) return { n1, n2, p: null };
  const all = [...a.map((v) => ({ v, first: true })), ...b.map((v) => ({ v, first: false }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankSum = 0;
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.v === all[i]!.v) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (all[k]!.first) rankSum += rank;
    const t = j - i + 1;
    ties += t * t * t - t;
    i = j + 1;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return { n1, n2, p: 1 };
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / Math.sqrt(variance);
  return { n1, n2, p: Math.min(1, 2 * (1 - normalCdf(z))) };
}

/** The standard normal CDF (Abramowitz and Stegun 7.1.26, error under 1.5e-7). */
export function normalCdf(z: number): number {
  if (z === 0) return 0.5;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
