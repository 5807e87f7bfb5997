// Protects the tolerant reading of Vapi's envelope: both argument shapes, both list names, both timestamp kinds.
import { describe, expect, it } from "vitest";
import { callFacts, envelopeSchema, parseTimestamp, readToolCalls } from "../../src/vapi/envelope.ts";

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
