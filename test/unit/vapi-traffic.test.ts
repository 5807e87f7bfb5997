// Protects the realistic Vapi traffic the benchmark sends: every message validates against Vapi's published definition, grows with the conversation as Vapi's do, and reads as the webhook expects.
import { beforeAll, describe, expect, it } from "vitest";
import {
  byteSize,
  endOfCallReportMessage,
  midCallToolCalls,
  speechUpdateMessage,
  statusUpdateMessage,
} from "../../scripts/lab/lib/vapi-traffic.ts";
import { callFacts, envelopeSchema, readToolCalls } from "../../src/vapi/envelope.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

beforeAll(() => {
  vapiValidator().validate("ServerMessageToolCalls", {});
}, 60_000);

const lookup = { name: "get_shipment_status", args: { trackingNumber: "BENCH0000001" } };
const sizes: Record<string, number> = {};

function expectValid(schema: string, envelope: Record<string, unknown>) {
  const { errors, warnings } = vapiValidator().validate(schema, envelope.message);
  expect(formatVapiIssues(errors)).toBe("");
  expect(formatVapiIssues(warnings)).toBe("");
}

describe("realistic Vapi traffic (scripts/lab/lib/vapi-traffic.ts)", () => {
  it.each([5, 20, 60])("a mid-call tool-calls message at %i turns is a valid ServerMessageToolCalls", (turns) => {
    const envelope = midCallToolCalls({ turns, callId: "call-abc", caller: "+15550142377" }, [lookup]);
    expectValid("ServerMessageToolCalls", envelope);
    sizes[`tool-calls, ${turns} turns`] = byteSize(envelope);

    // What the webhook reads of it.
    const parsed = envelopeSchema.parse(JSON.parse(JSON.stringify(envelope)));
    expect(callFacts(parsed.message)).toMatchObject({ callId: "call-abc", callerNumber: "+15550142377" });
    const { calls } = readToolCalls(parsed.message);
    expect(calls).toEqual([{ toolCallId: expect.stringMatching(/^call_/), name: lookup.name, args: { ok: true, value: lookup.args } }]);
  });

  it("carries the conversation so far, in both of Vapi's formats, growing with every turn", () => {
    const artifact = (turns: number) =>
      (midCallToolCalls({ turns }, [lookup]).message as { artifact: { messages: unknown[]; messagesOpenAIFormatted: unknown[] } }).artifact;
    expect(artifact(20).messages.length).toBeGreaterThan(artifact(5).messages.length);
    expect(artifact(20).messagesOpenAIFormatted.length).toBe(artifact(20).messages.length);
    expect(byteSize(midCallToolCalls({ turns: 60 }, [lookup]))).toBeGreaterThan(2 * byteSize(midCallToolCalls({ turns: 20 }, [lookup])));
  });

  it("is deterministic: the same options give the same bytes", () => {
    expect(JSON.stringify(midCallToolCalls({ turns: 20 }, [{ ...lookup, id: "call_x" }]))).toBe(
      JSON.stringify(midCallToolCalls({ turns: 20 }, [{ ...lookup, id: "call_x" }])),
    );
  });

  it("has valid status-update, speech-update and end-of-call-report messages of a 20-turn call", () => {
    const status = statusUpdateMessage({ turns: 20 });
    const speech = speechUpdateMessage({ turns: 20 });
    const report = endOfCallReportMessage({ turns: 20 });
    expectValid("ServerMessageStatusUpdate", status);
    expectValid("ServerMessageSpeechUpdate", speech);
    expectValid("ServerMessageEndOfCallReport", report);
    sizes["status-update, 20 turns"] = byteSize(status);
    sizes["speech-update, 20 turns"] = byteSize(speech);
    sizes["end-of-call-report, 20 turns"] = byteSize(report);
    // Mid-call messages are tens of kilobytes, as Vapi's are.
    for (const size of Object.values(sizes)) expect(size).toBeGreaterThan(10_000);
    process.stdout.write(`realistic message sizes (bytes): ${JSON.stringify(sizes)}\n`);
  });
});
