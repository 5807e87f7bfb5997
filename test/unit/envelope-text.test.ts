// Protects the light read of webhook bodies: a tool call or an informational message gets exactly the members JSON.parse would give for what is read, nothing else is built, and any other type or any text the scan does not follow is left to JSON.parse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { midCallToolCalls, speechUpdateMessage, statusUpdateMessage } from "../../scripts/lab/lib/vapi-traffic.ts";
import { readsOnlyEnvelope } from "../../src/server-messages/answer.ts";
import { parseWebhookText } from "../../src/vapi/envelope-text.ts";
import "../support/fast-check-seed.ts";

const READ = ["type", "timestamp", "call", "customer", "toolCallList", "toolCalls"];
const picked = (text: string) => {
  const message = (JSON.parse(text) as { message: Record<string, unknown> }).message;
  return { message: Object.fromEntries(READ.filter((k) => k in message).map((k) => [k, message[k]])) };
};
const read = (text: string) => parseWebhookText(text, readsOnlyEnvelope);

describe("parseWebhookText", () => {
  it("builds only the envelope and the tool-call list of a realistic tool-calls message", () => {
    const text = JSON.stringify(midCallToolCalls({ turns: 20 }, [{ name: "get_shipment_status", args: { trackingNumber: "A1" } }]));
    const light = read(text) as { message: Record<string, unknown> };
    expect(light).toEqual(picked(text));
    expect(Object.keys(light.message).sort()).toEqual(["call", "customer", "timestamp", "toolCallList", "type"]);
  });

  it("builds only the envelope of an informational message", () => {
    const text = JSON.stringify(speechUpdateMessage({ turns: 5 }));
    expect(read(text)).toEqual(picked(text));
  });

  it("parses whole the types whose handling reads further (call records, answered types)", () => {
    for (const envelope of [
      statusUpdateMessage({ turns: 5 }),
      { message: { type: "assistant-request", call: { id: "c" }, phoneNumber: { number: "+15550100000" } } },
      { message: { type: "call.endpointing.request", messages: [{ role: "user", message: "hi" }] } },
    ]) {
      const text = JSON.stringify(envelope);
      expect(read(text)).toEqual(JSON.parse(text));
    }
  });

  it("follows escapes, unicode and spaces in skipped values and keys", () => {
    const text = ` { "message" : {"artifact": {"a\\"]}": ["x\\\\", "\\"{", {"k": [1, 2.5e3, true, null]}], "é😀": "\\u007d"},
      "type" : "tool-calls", "tool\\u0043allList": [{"id": "i", "function": {"name": "n", "arguments": "{}"}}] } } \n`;
    expect(read(text)).toEqual(picked(text));
  });

  it("keeps JSON.parse's last value of a repeated member", () => {
    const text = '{"message":{"type":"speech-update","call":{"id":"a"},"call":{"id":"b"}}}';
    expect(read(text)).toEqual({ message: { type: "speech-update", call: { id: "b" } } });
  });

  it("refuses what JSON.parse refuses in the structure: cut text, unmatched brackets, trailing text", () => {
    for (const text of [
      '{"message":{"type":"tool-calls","artifact":{"a":[1,2}}}',
      '{"message":{"type":"tool-calls","artifact":"open',
      '{"message":{"type":"tool-calls"}} x',
      '{"message":{"type":"tool-calls",}}',
      '{"message":{"type":"tool-calls" "call":{}}}',
      "",
    ]) {
      expect(() => read(text), text).toThrow(SyntaxError);
    }
  });

  it("refuses a scalar JSON.parse refuses, even in a member it skips", () => {
    const calls = '"toolCallList":[{"id":"A","function":{"name":"book","arguments":"{}"}}]';
    for (const bad of ["tru", "NaN", "0x10", "'single'", "01", "1.", "-"]) {
      const text = `{"message":{"type":"tool-calls","x":${bad},${calls}}}`;
      expect(() => read(text), bad).toThrow(SyntaxError);
    }
    expect(read(`{"message":{"type":"tool-calls","x":-1.5e3,"y":true,"z":null,${calls}}}`)).toMatchObject({
      message: { type: "tool-calls" },
    });
  });

  it("reads leading spaces and many repeated message members in one pass (a 1 MB body took 29 s)", () => {
    const text = `${" ".repeat(1_000_000)}{${'"message":{},'.repeat(10_000)}"message":{"type":"tool-calls"}}`;
    expect(read(text)).toEqual({ message: { type: "tool-calls" } });
  });

  it("leaves to JSON.parse and the envelope check what is not a message with a string type", () => {
    for (const text of ["[]", '{"message":[]}', '{"message":{"type":7}}', '{"other":1}', '"text"']) {
      expect(read(text)).toEqual(JSON.parse(text));
    }
  });

  it("agrees with JSON.parse on what it builds, for any JSON in the members it skips", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), (artifact, assistant, id) => {
        const text = JSON.stringify(
          { message: { type: "tool-calls", artifact, call: { id }, assistant, toolCallList: [{ id }] } },
          null,
          1,
        );
        expect(read(text)).toEqual(picked(text));
      }),
    );
  });
});
