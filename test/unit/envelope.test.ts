// Protects the tolerant reading of Vapi's envelope: both argument shapes, both list names, both timestamp kinds.
import { describe, expect, it } from "vitest";
import { callFacts, envelopeSchema, idAsKey, MAX_ID_CHARS, parseTimestamp, readToolCalls } from "../../src/vapi/envelope.ts";

const msg = (extra: Record<string, unknown>) => envelopeSchema.parse({ message: { type: "tool-calls", ...extra } }).message;

describe("readToolCalls", () => {
  it("reads toolCallList with string arguments", () => {
    const { calls } = readToolCalls(msg({ toolCallList: [{ id: "a", type: "function", function: { name: "t", arguments: '{"x":1}' } }] }));
    expect(calls).toEqual([{ toolCallId: "a", name: "t", args: { ok: true, value: { x: 1 } } }]);
  });

  it("reads object arguments and top-level name/parameters", () => {
    const { calls } = readToolCalls(
      msg({
        toolCallList: [
          { id: "a", function: { name: "t", arguments: { x: 2 } } },
          { id: "b", name: "u", parameters: { y: 3 } },
        ],
      }),
    );
    expect(calls.map((c) => [c.toolCallId, c.name, c.args])).toEqual([
      ["a", "t", { ok: true, value: { x: 2 } }],
      ["b", "u", { ok: true, value: { y: 3 } }],
    ]);
  });

  it("prefers toolCallList and falls back to toolCalls when it is missing or empty", () => {
    const fromList = readToolCalls(
      msg({ toolCallList: [{ id: "l", function: { name: "t" } }], toolCalls: [{ id: "c", function: { name: "t" } }] }),
    );
    expect(fromList.calls.map((c) => c.toolCallId)).toEqual(["l"]);
    const fallback = readToolCalls(msg({ toolCallList: [], toolCalls: [{ id: "c", function: { name: "t" } }] }));
    expect(fallback.calls.map((c) => c.toolCallId)).toEqual(["c"]);
  });

  it("treats missing or empty arguments as {} and reports unreadable ones", () => {
    const { calls } = readToolCalls(
      msg({
        toolCallList: [
          { id: "a", function: { name: "t" } },
          { id: "b", function: { name: "t", arguments: "" } },
          { id: "c", function: { name: "t", arguments: "{oops" } },
          { id: "d", function: { name: "t", arguments: "[1,2]" } },
          { id: "e", function: { name: "t", arguments: JSON.stringify(JSON.stringify({ z: 1 })) } },
        ],
      }),
    );
    expect(calls.map((c) => c.args)).toEqual([
      { ok: true, value: {} },
      { ok: true, value: {} },
      { ok: false, reason: "The tool arguments were not valid JSON." },
      { ok: false, reason: "The tool arguments must be a JSON object." },
      { ok: true, value: { z: 1 } },
    ]);
  });

  it("counts items without an id as unusable instead of inventing ids", () => {
    const { calls, unusable } = readToolCalls(
      msg({ toolCallList: [{ function: { name: "t" } }, "junk", { id: "ok", function: { name: "t" } }] }),
    );
    expect(calls.map((c) => c.toolCallId)).toEqual(["ok"]);
    expect(unusable).toBe(2);
  });
});

describe("bounds on lists and ids", () => {
  const list = (n: number, args = '{"x":1}') =>
    Array.from({ length: n }, (_, i) => ({ id: `c${i}`, function: { name: "t", arguments: args } }));

  it("parses arguments only for the calls that may run", () => {
    const { calls, oversized } = readToolCalls(msg({ toolCallList: list(5) }), 2);
    expect(oversized).toBeUndefined();
    expect(calls.map((c) => c.args.ok)).toEqual([true, true, false, false, false]);
  });

  it("marks a list longer than 4 x maxRun oversized, reading only that many and running none", () => {
    const { calls, oversized } = readToolCalls(msg({ toolCallList: list(100_000, "{not json") }), 2);
    expect(oversized).toBe(100_000);
    expect(calls).toHaveLength(8);
    for (const call of calls) expect(call.args).toEqual({ ok: false, reason: "Not run: too many tool calls in one message." });
  });

  it("treats an id that cannot be echoed back as a key (too long, NUL, lone surrogate) as unusable, and cuts long names", () => {
    const { calls, unusable } = readToolCalls(
      msg({
        toolCallList: [
          { id: "x".repeat(MAX_ID_CHARS + 1), function: { name: "t" } },
          { id: "a\u0000b", function: { name: "t" } },
          { id: "a\ud800", function: { name: "t" } },
          { id: "ok", function: { name: "n".repeat(1000) } },
        ],
      }),
    );
    expect(unusable).toBe(3);
    expect(calls).toEqual([{ toolCallId: "ok", name: "n".repeat(128), args: { ok: true, value: {} } }]);
  });

  it("makes call ids keys: cleaned, and long ones cut with a hash of the whole", () => {
    expect(idAsKey("abc")).toBe("abc");
    expect(idAsKey("a\u0000b\ud800")).toBe("ab\ufffd");
    expect(idAsKey("\u0000")).toBeUndefined();
    const a = idAsKey(`${"x".repeat(500)}a`)!;
    const b = idAsKey(`${"x".repeat(500)}b`)!;
    expect(a).toHaveLength(MAX_ID_CHARS);
    expect(a).not.toBe(b);
    expect(idAsKey(`${"x".repeat(500)}a`)).toBe(a);
    const facts = callFacts(msg({ call: { id: "y".repeat(3000), customer: { number: `+1${"5".repeat(100)}` } } }));
    expect(facts.callId).toHaveLength(MAX_ID_CHARS);
    expect(facts.callerNumber).toBeUndefined();
  });
});

describe("parseTimestamp", () => {
  it("accepts milliseconds, seconds, numeric strings and ISO dates", () => {
    expect(parseTimestamp(1_767_225_600_000)).toBe(1_767_225_600_000);
    expect(parseTimestamp(1_767_225_600)).toBe(1_767_225_600_000);
    expect(parseTimestamp("1767225600")).toBe(1_767_225_600_000);
    expect(parseTimestamp("2026-01-01T00:00:00.000Z")).toBe(1_767_225_600_000);
  });

  it("returns undefined for what is not a time", () => {
    expect(parseTimestamp(undefined)).toBeUndefined();
    expect(parseTimestamp("soon")).toBeUndefined();
    expect(parseTimestamp(Number.NaN)).toBeUndefined();
  });
});

describe("callFacts", () => {
  it("takes the caller from call.customer, then message.customer", () => {
    expect(callFacts(msg({ call: { id: "c1", customer: { number: "+1555" } }, customer: { number: "+1666" } })).callerNumber).toBe("+1555");
    expect(callFacts(msg({ call: { id: "c1" }, customer: { number: "+1666" } })).callerNumber).toBe("+1666");
    expect(callFacts(msg({})).callId).toBeUndefined();
  });

  it("treats malformed call details as absent instead of rejecting the message", () => {
    const message = envelopeSchema.parse({ message: { type: "tool-calls", call: [], customer: "x", timestamp: { at: 1 } } }).message;
    expect(callFacts(message)).toEqual({ callId: undefined, callerNumber: undefined, phoneNumberId: undefined, timestampMs: undefined });
    const partly = envelopeSchema.parse({ message: { type: "hang", call: { id: 42, customer: { number: "+15550001111" } } } }).message;
    expect(callFacts(partly)).toMatchObject({ callId: undefined, callerNumber: "+15550001111" });
  });
});
