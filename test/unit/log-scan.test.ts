// Protects the run-wide log check itself: it must flag what it is meant to catch (every card spelling that once got past the logger included), and only that.
import { describe, expect, it } from "vitest";
import { BYPASSES } from "../support/card-spellings.ts";
import { scanLogLines } from "../support/log-scan.ts";

describe("scanLogLines", () => {
  it("flags card numbers, secrets and unmasked phone numbers", () => {
    const findings = scanLogLines(
      ['{"msg":"paid with 4242 4242 4242 4242"}', '{"token":"sekret-123456"}', '{"caller":"+15551234567"}'],
      ["sekret-123456"],
    );
    expect(findings.map((f) => f.line)).toEqual([1, 2, 3]);
    expect(findings[0]!.what).toBe("card number ending 4242");
  });

  it.each(BYPASSES)("flags a card written with %s, in a message, a field or a key", (_, card) => {
    const lines = [
      JSON.stringify({ msg: `my card is ${card} ok` }),
      JSON.stringify({ msg: "x", note: { deep: [`card: ${card}`] } }),
      JSON.stringify({ msg: "x", [card]: 1 }),
    ];
    expect(scanLogLines(lines, []).map((f) => f.line)).toEqual([1, 2, 3]);
  });

  it("flags a card in a line that is not JSON", () => {
    expect(scanLogLines(["paid with 4111. 1111. 1111. 1111."], [])).toHaveLength(1);
  });

  it("lets masked numbers, redacted cards, ids and timestamps through", () => {
    const lines = [
      '{"caller":"+*******4567","time":"2026-11-23T20:55:03.854Z","durationMs":1767225600000}',
      '{"id":"1234567890123"}',
      '{"msg":"my card is [card number] ok","slotId":"7f1c2a9e-0000-4000-8000-000000000001"}',
    ];
    expect(scanLogLines(lines, ["sekret-123456"])).toEqual([]);
  });
});
