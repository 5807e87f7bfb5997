// Protects the webhook's memory accounting: budgets never go over their limit or below zero, a lease gives back exactly what it took (later, for an abandoned read), and the parse-cost estimate stays above what V8 spends on the body shapes measured.
import { describe, expect, it } from "vitest";
import { ByteBudget, bodyBudgetBytes, createBodyBudgets, Lease, parsedCost, rawCost, SMALL_BODY_BYTES } from "../../src/lib/byte-budget.ts";

describe("ByteBudget and Lease", () => {
  it("takes nothing past the limit or a lease's ceiling, and gives back what was taken", () => {
    const budget = new ByteBudget(100);
    const small = new Lease(budget);
    const large = new Lease(budget, 80);
    expect(large.growTo(70)).toBe(true);
    expect(large.growTo(90)).toBe(false);
    expect(large.held).toBe(70);
    expect(small.growTo(30)).toBe(true);
    expect(small.growTo(31)).toBe(false);
    expect(budget.used).toBe(100);
    large.release();
    large.release();
    expect(budget.used).toBe(30);
    small.release();
    expect(budget.used).toBe(0);
  });

  it("holds an abandoned read's bytes until it settles", async () => {
    const budget = new ByteBudget(100);
    const lease = new Lease(budget);
    lease.growTo(40);
    let settle!: () => void;
    lease.holdUntil(new Promise<void>((resolve) => (settle = resolve)), 60_000);
    lease.release();
    await Promise.resolve();
    expect(budget.used).toBe(40);
    settle();
    await expect.poll(() => budget.used).toBe(0);
  });

  it("sizes the budgets from the heap when not configured, and always admits one largest body unverified", () => {
    expect(bodyBudgetBytes(0, 200)).toBe(70);
    expect(bodyBudgetBytes(123, 200)).toBe(123);
    const { verified, unverified } = createBodyBudgets(80_000_000, 8_000_000);
    expect(verified.limit).toBe(80_000_000);
    expect(unverified.limit * (7 / 8)).toBeGreaterThanOrEqual(rawCost(8_000_000));
  });
});

describe("parsedCost", () => {
  const encode = (text: string) => new TextEncoder().encode(text);

  it("costs small bodies at the worst case without looking at them", () => {
    expect(parsedCost(encode("x".repeat(1000)))).toBe(24_000);
    expect(parsedCost(new Uint8Array(SMALL_BODY_BYTES))).toBe(24 * SMALL_BODY_BYTES);
  });

  it("stays above V8's cost for the shapes measured on Node 20 (ADR 9)", () => {
    const measured: [string, string, number][] = [
      // shape, body, heap per body byte for decode + JSON.parse
      ["empty objects", `[${Array(400_000).fill("{}").join(",")}]`, 22.4],
      ["empty arrays", `[${Array(400_000).fill("[]").join(",")}]`, 15.3],
      ["small numbers", `[${Array(400_000).fill("1").join(",")}]`, 6],
      ["short ids", `[${Array(100_000).fill('{"id":"a"}').join(",")}]`, 5.6],
      [
        "transcript turns",
        `[${Array(10_000).fill('{"role":"user","message":"Where is my parcel? It was due yesterday.","time":1.5}').join(",")}]`,
        2.3,
      ],
      ["one long string", `"${"a".repeat(1_000_000)}"`, 2.1],
    ];
    for (const [shape, text, perByte] of measured) {
      const body = encode(text);
      expect(parsedCost(body), shape).toBeGreaterThan(body.length * perByte);
    }
  });
});
