// Protects the Vapi contract inside workerd: the Workers entry answers every message type exactly as the Node server does.
import { describe, expect, it } from "vitest";
import { assistantRequest, endOfCallReport, statusUpdate, toolCallsMessage, transferDestinationRequest } from "../support/vapi-messages.ts";
import { testEnv, webhook, workerFetch } from "./support.ts";

type AssistantTools = {
  model: { tools: { type: string; function: { name: string }; server: { url: string; credentialId?: string; headers?: unknown } }[] };
};

describe("tool-calls", () => {
  it("accepts arguments as a JSON string and as an object, answering with the exact ids in order", async () => {
    const msg = toolCallsMessage(
      [
        { id: "w_a", name: "echo", args: { text: "hi" }, shape: "string" },
        { id: "w_b", name: "echo", args: { text: "yo", times: 2 }, shape: "object" },
        { id: "w_c", name: "echo", args: { text: "top" }, shape: "top-level" },
      ],
      { caller: "+15551230000", callId: "worker-call-1" },
    );
    const { status, json } = await webhook(msg);
    expect(status).toBe(200);
    expect(json.results).toEqual([
      { toolCallId: "w_a", name: "echo", result: JSON.stringify({ text: "hi", caller: "+15551230000", callId: "worker-call-1" }) },
      { toolCallId: "w_b", name: "echo", result: JSON.stringify({ text: "yoyo", caller: "+15551230000", callId: "worker-call-1" }) },
      { toolCallId: "w_c", name: "echo", result: JSON.stringify({ text: "top", caller: "+15551230000", callId: "worker-call-1" }) },
    ]);
  });

  it("falls back to toolCalls when toolCallList is absent", async () => {
    const { json } = await webhook(toolCallsMessage([{ id: "w_d", name: "echo", args: { text: "x" } }], { list: "toolCalls" }));
    expect(json.results).toEqual([{ toolCallId: "w_d", name: "echo", result: expect.stringContaining('"text":"x"') }]);
  });

  it("answers an unknown tool and invalid arguments with an error the model can act on", async () => {
    const { status, json } = await webhook(
      toolCallsMessage([
        { id: "w_e", name: "no_such_tool", args: {} },
        { id: "w_f", name: "echo", args: { times: 2 } },
      ]),
    );
    expect(status).toBe(200);
    expect(json.results?.[0]).toMatchObject({
      toolCallId: "w_e",
      error: expect.stringMatching(/no tool named "no_such_tool".*get_business_hours/),
    });
    expect(json.results?.[1]).toMatchObject({ toolCallId: "w_f", error: expect.stringContaining('"text" is required') });
  });

  it("answers a failing tool with a short apology, never internals", async () => {
    const { status, json } = await webhook(toolCallsMessage([{ id: "w_g", name: "explode", args: { how: "bug" } }]));
    expect(status).toBe(200);
    expect(json.results?.[0]?.error).toMatch(/^Sorry, something went wrong on our side/);
    expect(JSON.stringify(json)).not.toContain("postgres://");
  });

  it("answers within the tool's budget with its timeout sentence", async () => {
    const { json } = await webhook(toolCallsMessage([{ id: "w_h", name: "slow", args: { ms: 5_000 } }]));
    expect(json.results).toEqual([{ toolCallId: "w_h", name: "slow", error: "The slow system did not answer in time." }]);
  });
});

describe("assistant-request", () => {
  it("returns a transient assistant carrying every bundled tool, pointed back at this server", async () => {
    const { status, json } = await webhook(assistantRequest());
    expect(status).toBe(200);
    // Function tools point back here; Vapi's own transferCall has no server.
    const tools = (json.assistant as AssistantTools).model.tools.filter((t) => t.type === "function");
    expect(tools.map((t) => t.function.name)).toEqual(expect.arrayContaining(["get_business_hours", "echo", "record_note"]));
    for (const tool of tools) {
      expect(tool.server.url).toBe("https://switchboard.example.com/vapi/webhook");
      expect(tool.server.credentialId).toBe(testEnv.VAPI_CREDENTIAL_ID);
      expect(tool.server.headers).toBeUndefined();
    }
  });
});

describe("other message types", () => {
  it("answers transfer-destination-request with the configured destination", async () => {
    const { status, json } = await webhook(transferDestinationRequest());
    expect(status).toBe(200);
    expect(json.destination).toMatchObject({ type: "number", number: "+15557654321" });
  });

  it("acknowledges status-update, a large end-of-call report and unknown types with {}", async () => {
    for (const body of [
      statusUpdate("in-progress"),
      endOfCallReport(1024 * 1024),
      { message: { type: "some-future-type", timestamp: "2026-01-01T00:00:00Z" } },
    ]) {
      const { status, json } = await webhook(body);
      expect(status).toBe(200);
      expect(json).toEqual({});
    }
  });
});

describe("bad requests", () => {
  it("rejects malformed JSON with 400 and a JSON error", async () => {
    const { status, json } = await webhook('{"message": {"type": ');
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: "invalid_json" } });
  });

  it("rejects a body that is not a Vapi envelope with 400", async () => {
    const { status, json } = await webhook({ message: { type: 42 } });
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: { code: "invalid_envelope" } });
  });

  it("answers an unknown route with a JSON 404", async () => {
    const res = await workerFetch("/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "not_found" } });
  });
});

describe("health", () => {
  it("reports ready with the database behind Hyperdrive and the cache answering", async () => {
    const res = await workerFetch("/readyz");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ready", database: { backend: "postgres", ok: true }, cache: { ok: true } });
  });
});
