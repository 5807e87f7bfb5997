// Protects the Vapi contract of POST /vapi/webhook: every message type answered with 200 and a usable JSON body.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { assistantRequest, endOfCallReport, statusUpdate, toolCallsMessage, transferDestinationRequest } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    toolsDir: fixtures,
    env: { TRANSFER_NUMBER: "+15557654321", PUBLIC_URL: "https://switchboard.example.com", VAPI_CREDENTIAL_ID: "cred-contract" },
  });
});

describe("tool-calls", () => {
  it("accepts arguments as a JSON string and as an object, answering with the exact ids in order", async () => {
    const msg = toolCallsMessage(
      [
        { id: "call_a", name: "echo", args: { text: "hi" }, shape: "string" },
        { id: "call_b", name: "echo", args: { text: "yo", times: 2 }, shape: "object" },
      ],
      { caller: "+15551230000", callId: "vapi-call-1" },
    );
    const { status, json } = await t.webhook(msg);
    expect(status).toBe(200);
    expect(json.results).toEqual([
      { toolCallId: "call_a", name: "echo", result: JSON.stringify({ text: "hi", caller: "+15551230000", callId: "vapi-call-1" }) },
      { toolCallId: "call_b", name: "echo", result: JSON.stringify({ text: "yoyo", caller: "+15551230000", callId: "vapi-call-1" }) },
    ]);
  });

  it("falls back to toolCalls when toolCallList is absent", async () => {
    const { json } = await t.webhook(toolCallsMessage([{ id: "call_c", name: "echo", args: { text: "x" } }], { list: "toolCalls" }));
    expect(json.results?.[0]).toMatchObject({ toolCallId: "call_c", name: "echo" });
    expect(json.results?.[0]?.result).toContain('"text":"x"');
  });

  it("tolerates items with top-level name and arguments", async () => {
    const { json } = await t.webhook(toolCallsMessage([{ id: "call_d", name: "echo", args: { text: "top" }, shape: "top-level" }]));
    expect(json.results?.[0]?.result).toContain('"text":"top"');
  });

  it("runs several calls concurrently and still answers in order", async () => {
    const msg = toolCallsMessage([
      { id: "slow_1", name: "slow", args: { ms: 30 } },
      { id: "fast_1", name: "echo", args: { text: "quick" } },
      { id: "slow_2", name: "slow", args: { ms: 10 } },
    ]);
    const { json } = await t.webhook(msg);
    expect(json.results?.map((r) => r.toolCallId)).toEqual(["slow_1", "fast_1", "slow_2"]);
    expect(json.results?.every((r) => typeof r.result === "string")).toBe(true);
  });

  it("takes the caller from the call, never from the model's arguments", async () => {
    const msg = toolCallsMessage([{ name: "echo", args: { text: "a", callerNumber: "+19999999999" } }], { caller: "+15550002222" });
    const { json } = await t.webhook(msg);
    expect(JSON.parse(json.results?.[0]?.result ?? "{}")).toMatchObject({ caller: "+15550002222" });
  });

  it("answers an empty tool call list with no results rather than an error", async () => {
    const { status, json } = await t.webhook({ message: { type: "tool-calls", toolCallList: [] } });
    expect(status).toBe(200);
    expect(json).toEqual({ results: [] });
  });

  it("caps the number of calls run from one message, answering the rest with an error", async () => {
    const capped = await createTestApp({ toolsDir: fixtures, env: { MAX_TOOL_CALLS_PER_MESSAGE: "2" } });
    const msg = toolCallsMessage([1, 2, 3].map((i) => ({ id: `c${i}`, name: "echo", args: { text: String(i) } })));
    const { json } = await capped.webhook(msg);
    expect(json.results?.map((r) => r.toolCallId)).toEqual(["c1", "c2", "c3"]);
    expect(json.results?.[2]?.error).toMatch(/too many tool calls/i);
    expect(json.results?.[2]?.message).toMatchObject({
      role: "system",
      content: expect.stringMatching(/^The tool did not run because of how it was called/),
    });
    expect(json.results?.[1]?.result).toBeDefined();
  });
});

describe("assistant-request", () => {
  it("returns a transient assistant carrying every tool and transferCall, pointed back at this server with credentials", async () => {
    const { status, json } = await t.webhook(assistantRequest());
    expect(status).toBe(200);
    type Tool = { type: string; function: { name: string; parameters: unknown }; server: { url: string; credentialId: string } };
    const all = (json.assistant as { model: { tools: Tool[] } }).model.tools;
    expect(all.filter((tool) => tool.type === "transferCall")).toHaveLength(1);
    const functions = all.filter((tool) => tool.type === "function");
    expect(functions.map((tool) => tool.function.name).sort()).toEqual(["echo", "explode", "record_note", "slow"]);
    for (const tool of functions) {
      expect(tool.server.url).toBe("https://switchboard.example.com/vapi/webhook");
      expect(tool.server.credentialId).toBe("cred-contract");
    }
    const echo = functions.find((tool) => tool.function.name === "echo");
    expect(echo?.function.parameters).toMatchObject({ type: "object", properties: { text: { type: "string" } }, required: ["text"] });
  });

  it("derives the server URL from the request when PUBLIC_URL is not set", async () => {
    const local = await createTestApp({ toolsDir: fixtures, env: { VAPI_CREDENTIAL_ID: "cred-test" } });
    const res = await local.app.request("http://localhost:3000/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET, "x-forwarded-proto": "https", "x-forwarded-host": "abc.trycloudflare.com" },
      body: JSON.stringify(assistantRequest()),
    });
    const body = (await res.json()) as { assistant: { server: { url: string } } };
    expect(body.assistant.server.url).toBe("https://abc.trycloudflare.com/vapi/webhook");
  });
});

describe("other message types", () => {
  it("answers transfer-destination-request with the configured destination", async () => {
    const { status, json } = await t.webhook(transferDestinationRequest());
    expect(status).toBe(200);
    expect(json.destination).toMatchObject({ type: "number", number: "+15557654321" });
    // Spoken once, by the destination: a response-level message would be spoken as well.
    expect(json.destination).toHaveProperty("message");
    expect(json).not.toHaveProperty("message");
  });

  it("answers transfer-destination-request with a truthful spoken error when no destination is configured", async () => {
    // Monday noon in New York: open, so "call back during business hours" would be untrue.
    const none = await createTestApp({ toolsDir: fixtures, clock: fixedClock("2026-01-05T17:00:00Z") });
    const { status, json } = await none.webhook(transferDestinationRequest());
    expect(status).toBe(200);
    expect(json).toEqual({ error: assistantConfig.handoff.unavailableMessage });
    expect(json.error).toMatch(/can't connect you with a person/);
    expect(json.error).not.toMatch(/business hours|nobody is available/);
  });

  it("acknowledges status-update with a string timestamp", async () => {
    const { status, json } = await t.webhook(statusUpdate("in-progress"));
    expect(status).toBe(200);
    expect(json).toEqual({});
  });

  it("accepts a 5 MB end-of-call report", async () => {
    const report = JSON.stringify(endOfCallReport(5 * 1024 * 1024));
    expect(report.length).toBeGreaterThan(5 * 1024 * 1024);
    const { status, json } = await t.webhook(report);
    expect(status).toBe(200);
    expect(json).toEqual({});
  });

  it("answers an unknown message type with {}", async () => {
    const { status, json } = await t.webhook({
      message: { type: "some-future-type", timestamp: "2026-01-01T00:00:00Z", whatever: [1, 2] },
    });
    expect(status).toBe(200);
    expect(json).toEqual({});
  });
});

describe("bad requests", () => {
  it("rejects malformed JSON with 400 and a JSON error", async () => {
    const { status, json } = await t.webhook('{"message": {"type": ');
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("rejects a body that is not a Vapi envelope with 400", async () => {
    for (const body of [{}, { message: {} }, { message: { type: 42 } }, [1, 2], "null"]) {
      const { status, json } = await t.webhook(body);
      expect(status).toBe(400);
      expect(json).toMatchObject({ error: { code: "invalid_envelope" } });
    }
  });

  it("rejects invalid UTF-8 with 400", async () => {
    const res = await t.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET },
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    });
    expect(res.status).toBe(400);
  });

  it("rejects bodies over the configured limit with 413", async () => {
    const small = await createTestApp({ toolsDir: fixtures, env: { MAX_BODY_BYTES: "2048" } });
    const { status, json } = await small.webhook(endOfCallReport(10_000));
    expect(status).toBe(413);
    expect(json).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("rejects a streamed body without a length once it passes the limit", async () => {
    const small = await createTestApp({ toolsDir: fixtures, env: { MAX_BODY_BYTES: "2048" } });
    const chunk = new TextEncoder().encode("x".repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent++;
        if (sent > 100) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await small.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    // It stopped reading soon after the limit instead of buffering all 100 KB.
    expect(sent).toBeLessThan(10);
  });

  it("accepts a streamed body without a length under the limit", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ message: { type: "hang" } }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 5));
        controller.enqueue(bytes.slice(5));
        controller.close();
      },
    });
    const res = await t.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "x-vapi-secret": TEST_SECRET },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it("never logs the raw payload", async () => {
    const marker = "SUPER-PRIVATE-TWILIO-TOKEN-9f8e7d";
    const msg = {
      message: { ...toolCallsMessage([{ name: "echo", args: { text: "a" } }]).message, phoneNumber: { twilioAuthToken: marker } },
    };
    await t.webhook(msg);
    await t.webhook({ message: { type: "end-of-call-report", artifact: { transcript: marker } } });
    expect(t.logs.join("\n")).not.toContain(marker);
  });
});
