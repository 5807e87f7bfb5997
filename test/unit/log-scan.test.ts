// Protects the run-wide log check itself: it must flag what it is meant to catch, and only that.
import { describe, expect, it } from "vitest";
import { luhnValid, scanLogLines } from "../support/log-scan.ts";

describe("scanLogLines", () => {
  it("flags card numbers, secrets and unmasked phone numbers", () => {
    const findings = scanLogLines(
      ['{"msg":"paid with 4242 4242 4242 4242"}', '{"token":"sekret-123456"}', '{"caller":"+15551234567"}'],
      ["sekret-123456"],
    );
    expect(findings.map((f) => f.line)).toEqual([1, 2, 3]);
  });

  it("lets masked numbers, ids and timestamps through", () => {
    const lines = ['{"caller":"+*******4567","time":"2026-11-23T20:55:03.854Z","durationMs":1767225600000}', '{"id":"1234567890123"}'];
    expect(scanLogLines(lines, ["sekret-123456"])).toEqual([]);
  });

  it("implements the Luhn check", () => {
    expect(luhnValid("4242424242424242")).toBe(true);
    expect(luhnValid("4242424242424241")).toBe(false);
  });
});
