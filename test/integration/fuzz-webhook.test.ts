// Protects the webhook against hostile and malformed input: random and mutated envelopes never produce a 5xx, a crash or unbounded memory.
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ toolsDir: fixtures, env: { LOG_LEVEL: "error", MAX_TOOL_CALLS_PER_MESSAGE: "16" } });
});

const send = async (body: string | Uint8Array) => {
  const res = await t.app.request("/vapi/webhook", {
    method: "POST",
    headers: { "x-vapi-secret": TEST_SECRET, "content-type": "application/json" },
    body,
  });
  const text = await res.text();
  return { status: res.status, text };
};

/** Every answer is JSON; parsed envelopes get 200, everything else a 4xx: never a 5xx. */
function expectSane(status: number, text: string) {
  expect(status).toBeLessThan(500);
  expect(() => JSON.parse(text)).not.toThrow();
  expect(text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/); // no stack traces
}

const messageTypes = fc.constantFrom(
  "tool-calls",
  "assistant-request",
  "status-update",
  "end-of-call-report",
  "transfer-destination-request",
  "hang",
  "speech-update",
  "x-unknown",
);
const toolNames = fc.constantFrom("echo", "slow", "explode", "record_note", "nope", "", "__proto__", "constructor");
const anyArgs = fc.oneof(fc.jsonValue(), fc.string(), fc.json(), fc.constant("{not json"), fc.constant(null));
const toolCall = fc.record(
  {
    id: fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.constant(undefined)),
    type: fc.constant("function"),
    function: fc.option(fc.record({ name: toolNames, arguments: anyArgs }, { requiredKeys: [] })),
    name: fc.option(toolNames),
    arguments: fc.option(anyArgs),
  },
  { requiredKeys: [] },
);
const envelope = fc.record({
  message: fc.record(
    {
      type: messageTypes,
      timestamp: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(null)),
      call: fc.oneof(
        fc.record({ id: fc.oneof(fc.string(), fc.integer()), customer: fc.record({ number: fc.oneof(fc.string(), fc.integer()) }) }),
        fc.jsonValue(),
      ),
      toolCallList: fc.oneof(fc.array(toolCall, { maxLength: 5 }), fc.jsonValue()),
      toolCalls: fc.oneof(fc.array(toolCall, { maxLength: 5 }), fc.jsonValue()),
      status: fc.string(),
    },
    { requiredKeys: ["type"] },
  ),
});

describe("webhook fuzzing", () => {
  it("answers random envelopes sanely", async () => {
    await fc.assert(
      fc.asyncProperty(envelope, async (body) => {
        const { status, text } = await send(JSON.stringify(body));
        expectSane(status, text);
        expect(status).toBe(200);
        if (body.message.type === "tool-calls") expect(JSON.parse(text)).toHaveProperty("results");
      }),
      { numRuns: 300 },
    );
  });

  it("answers arbitrary JSON and arbitrary bytes with a 4xx at worst", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string(),
          fc.uint8Array({ maxLength: 2000 }),
        ),
        async (body) => {
          const { status, text } = await send(body);
          expectSane(status, text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("answers mutated real payloads sanely", async () => {
    const base = JSON.stringify(
      toolCallsMessage([
        { name: "echo", args: { text: "hello" } },
        { name: "record_note", args: { note: "n" } },
      ]),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }),
        async (edits) => {
          let body = base;
          for (const [at, text] of edits) body = body.slice(0, at) + text + body.slice(at + 1);
          const { status, text } = await send(body);
          expectSane(status, text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("survives deep nesting, huge strings and huge arrays", async () => {
    const deep = `${'{"a":'.repeat(5000)}1${"}".repeat(5000)}`;
    const deepArgs = JSON.stringify(toolCallsMessage([{ name: "echo", args: JSON.parse(`${'{"a":'.repeat(2000)}1${"}".repeat(2000)}`) }]));
    const hugeString = JSON.stringify(toolCallsMessage([{ name: "echo", args: { text: "x".repeat(3_000_000) } }]));
    const hugeArray = JSON.stringify({
      message: { type: "end-of-call-report", artifact: { messages: Array.from({ length: 200_000 }, (_, i) => i) } },
    });
    for (const body of [deep, `{"message":${deep}}`, deepArgs, hugeString, hugeArray]) {
      const { status, text } = await send(body);
      expectSane(status, text);
    }
    const { json } = await t.webhook(JSON.parse(hugeString));
    // A huge argument still yields one single-line, capped answer (the card guard refuses what it cannot read in full).
    const answer = json.results?.[0]?.result ?? json.results?.[0]?.error ?? "";
    expect(answer.length).toBeGreaterThan(0);
    expect(answer.length).toBeLessThanOrEqual(t.deps.config.MAX_RESULT_CHARS);
    expect(answer).not.toContain("\n");
  });

  it("answers thousands of tool calls in one message, running only the capped number", async () => {
    const calls = Array.from({ length: 5000 }, (_, i) => ({ id: `bulk_${i}`, name: "echo", args: { text: String(i) } }));
    const before = process.memoryUsage().heapUsed;
    const { status, json } = await t.webhook(toolCallsMessage(calls));
    expect(status).toBe(200);
    expect(json.results).toHaveLength(5000);
    expect(json.results?.filter((r) => r.result !== undefined)).toHaveLength(16);
    expect(json.results?.[4999]).toMatchObject({ toolCallId: "bulk_4999", error: expect.stringMatching(/too many tool calls/i) });
    // Memory stays bounded: well under a few hundred MB for a 5,000-call message.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(300 * 1024 * 1024);
  });

  it("rejects invalid UTF-8 inside otherwise valid JSON with 400", async () => {
    const bytes = new TextEncoder().encode('{"message":{"type":"hang","x":"__"}}');
    const i = bytes.indexOf(0x5f);
    bytes[i] = 0xc3;
    bytes[i + 1] = 0x28;
    const { status, text } = await send(bytes);
    expect(status).toBe(400);
    expectSane(status, text);
  });
});
