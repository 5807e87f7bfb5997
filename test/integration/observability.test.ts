// Protects what operators see: Prometheus metrics per tool and message type, and traces that continue the caller's trace.
import { fileURLToPath } from "node:url";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { warmUp } from "../../src/runtime/warm-up.ts";
import { callTool, givenShipment } from "../support/business.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { statusUpdate, toolCallsMessage } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let t: TestApp;

beforeAll(async () => {
  provider.register();
  t = await createTestApp({ toolsDir: fixtures });
});

afterAll(async () => {
  await provider.shutdown();
  // The API's globals outlive this file in the worker: leave them as the next file expects.
  trace.disable();
  context.disable();
  propagation.disable();
});

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TEST_SECRET}` }) {
  const res = await t.app.request("/metrics", { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get("content-type") };
}

describe("/metrics", () => {
  it("requires credentials", async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: "Bearer wrong-wrong-wrong" })).status).toBe(401);
  });

  it("exposes tool latency, errors by kind, overruns and messages by type", async () => {
    await t.webhook(
      toolCallsMessage([
        { name: "echo", args: { text: "a" } },
        { name: "echo", args: {} },
        { name: "slow", args: { ms: 5000 } },
        { name: "nope", args: {} },
      ]),
    );
    await t.webhook({ message: { type: "speech-update", status: "started", role: "user" } });
    await t.webhook({ message: { type: "brand-new-type" } });
    const { status, text, type } = await scrape();
    expect(status).toBe(200);
    expect(type).toContain("text/plain");
    expect(text).toMatch(/switchboard_tool_call_duration_seconds_count\{tool="echo",outcome="result"\} 1/);
    expect(text).toMatch(/switchboard_tool_errors_total\{tool="echo",kind="validation"\} 1/);
    expect(text).toMatch(/switchboard_tool_errors_total\{tool="slow",kind="timeout"\} 1/);
    expect(text).toMatch(/switchboard_tool_errors_total\{tool="unknown",kind="unknown_tool"\} 1/);
    expect(text).toMatch(/switchboard_tool_budget_exceeded_total\{tool="slow"\} 1/);
    expect(text).toMatch(/switchboard_webhook_messages_total\{type="speech-update"\} 1/);
    expect(text).toMatch(/switchboard_webhook_messages_total\{type="other"\} 1/);
  });

  it("follows calls in progress from status updates", async () => {
    const gauge = async () => Number(/switchboard_calls_in_progress (\d+)/.exec((await scrape()).text)?.[1]);
    const before = await gauge();
    await t.webhook(statusUpdate("in-progress", { callId: "gauge-call-1" }));
    await t.webhook(statusUpdate("in-progress", { callId: "gauge-call-1" }));
    await t.webhook(statusUpdate("in-progress", { callId: "gauge-call-2" }));
    expect(await gauge()).toBe(before + 2);
    await t.webhook(statusUpdate("ended", { callId: "gauge-call-1" }));
    expect(await gauge()).toBe(before + 1);
  });
});

describe("tracing", () => {
  it("continues the incoming trace with a webhook span and a child span per tool call", async () => {
    exporter.reset();
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await t.webhook(toolCallsMessage([{ id: "traced_1", name: "echo", args: { text: "x" } }], { callId: "traced-call" }), {
      "x-vapi-secret": TEST_SECRET,
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    const spans = exporter.getFinishedSpans();
    const webhook = spans.find((s) => s.name === "vapi tool-calls");
    const tool = spans.find((s) => s.name === "tool echo");
    expect(webhook?.spanContext().traceId).toBe(traceId);
    expect(webhook?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(tool?.parentSpanContext?.spanId).toBe(webhook?.spanContext().spanId);
    expect(tool?.attributes).toMatchObject({
      "tool.name": "echo",
      "vapi.call_id": "traced-call",
      "vapi.tool_call_id": "traced_1",
      "tool.outcome": "result",
      "tool.budget_exceeded": false,
    });
  });

  it("marks a budget overrun on the tool span", async () => {
    exporter.reset();
    await t.webhook(toolCallsMessage([{ name: "slow", args: { ms: 5000 } }]));
    const tool = exporter.getFinishedSpans().find((s) => s.name === "tool slow");
    expect(tool?.attributes).toMatchObject({ "tool.outcome": "error", "tool.error_kind": "timeout", "tool.budget_exceeded": true });
  });
});

describe("warm-up", () => {
  it("opens connections and runs every tool's warm hook once per connection", async () => {
    let warmed = 0;
    const registry = t.deps.registry;
    const echo = registry.get("echo")!;
    const withHook = { ...echo, warm: async () => void warmed++ };
    const deps = { ...t.deps, registry: { get: registry.get, list: () => [withHook] } };
    const result = await warmUp(deps, 3);
    expect(warmed).toBe(3);
    expect(result.failures).toBe(0);
  });
});

describe("cache lookups", () => {
  it("counts a miss then a hit, and marks both on the tool span with child spans for cache and database", async () => {
    const app = await createTestApp();
    const trackingNumber = await givenShipment(app);
    exporter.reset();
    await callTool(app, "get_shipment_status", { trackingNumber });
    await callTool(app, "get_shipment_status", { trackingNumber });
    const text = await (await app.app.request("/metrics", { headers: { authorization: `Bearer ${TEST_SECRET}` } })).text();
    expect(text).toMatch(/switchboard_cache_lookups_total\{area="shipment",outcome="miss"\} 1/);
    expect(text).toMatch(/switchboard_cache_lookups_total\{area="shipment",outcome="hit"\} 1/);
    const spans = exporter.getFinishedSpans();
    const toolSpans = spans.filter((s) => s.name === "tool get_shipment_status");
    expect(toolSpans.map((s) => s.attributes["cache.result"])).toEqual(["miss", "hit"]);
    const [miss] = toolSpans;
    const children = spans.filter((s) => s.parentSpanContext?.spanId === miss?.spanContext().spanId).map((s) => s.name);
    expect(children).toEqual(expect.arrayContaining(["cache.get", "db.load"]));
  });
});
