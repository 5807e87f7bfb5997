// Protects card detection: Luhn-valid 13-19 digit runs are found wherever they hide; other digit runs are not.
import { describe, expect, it } from "vitest";
import { argumentsContainCard, containsCardNumber, isLuhnCardNumber } from "../../src/tools/dispatch/card-guard.ts";

describe("isLuhnCardNumber", () => {
  it.each(["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4222222222222"])("accepts test card %s", (n) => {
    expect(isLuhnCardNumber(n)).toBe(true);
  });
  it.each(["4111111111111112", "411111111111", "41111111111111111111", "abcd"])("rejects %s", (n) => {
    expect(isLuhnCardNumber(n)).toBe(false);
  });
});

describe("containsCardNumber", () => {
  it("finds runs split by spaces or dashes inside text", () => {
    expect(containsCardNumber("it's 4111 1111 1111 1111, expiry 12/29")).toBe(true);
    expect(containsCardNumber("5555-5555-5555-4444")).toBe(true);
  });
  it("ignores longer runs (22-digit tracking numbers), phone numbers and dates", () => {
    expect(containsCardNumber("9400 1000 0000 0000 0000 00")).toBe(false);
    expect(containsCardNumber("+1 555 010 9999 on 2026-03-03")).toBe(false);
  });
  it("ignores UUIDs whose digit groups happen to form a Luhn-valid run, but not a card next to one", () => {
    expect(isLuhnCardNumber("123456789012345671")).toBe(true);
    expect(containsCardNumber("abcdef12-3456-7890-1234-5671abcdef12")).toBe(false);
    expect(containsCardNumber("abcdef12-3456-7890-1234-5671abcdef12 4111 1111 1111 1111")).toBe(true);
  });
});

describe("argumentsContainCard", () => {
  it("searches numbers, nested objects, arrays and keys", () => {
    expect(argumentsContainCard({ a: 4111111111111111 })).toBe(true);
    expect(argumentsContainCard({ a: { b: ["x", "4111-1111-1111-1111"] } })).toBe(true);
    expect(argumentsContainCard({ "4111111111111111": true })).toBe(true);
    expect(argumentsContainCard({ slotId: "7f1c2a9e-0000-4000-8000-000000000001", n: 3 })).toBe(false);
  });
});
