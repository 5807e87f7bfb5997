// Protects per-call state and human handoff: state shared by a call's tools, failures counted towards a transfer offer, transfers routed by rules.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import type { AssistantConfig } from "../../src/assistant/define.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { APOLOGY, offeringAPerson } from "../../src/tools/dispatch/answers.ts";
import { HANDOFF_HINT, NO_TRANSFER_HINT } from "../../src/tools/dispatch/dispatch-calls.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { toolCallsMessage, transferDestinationRequest } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/stateful-tools", import.meta.url));
// Monday 12:00 in New York (the default BUSINESS_TIMEZONE), and Monday 22:00.
const clock = fixedClock("2026-01-05T17:00:00Z");

const assistant: AssistantConfig = {
  ...assistantConfig,
  handoff: {
    ...assistantConfig.handoff,
    rules: [
      { department: "billing", keywords: ["invoice"], hours: "business", destination: "+15550000001", message: "Billing, one moment." },
      { department: "dispatch", hours: "always", destination: "sip:dispatch@pbx.example.com", message: "Dispatch, one moment." },
      { department: "support", reasons: ["tool-failures"], hours: "always", message: "Sorry about that, connecting you." },
    ],
  },
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    toolsDir: fixtures,
    clock,
    assistant,
    env: { TRANSFER_NUMBER: "+15559999999", TOOL_FAILURES_BEFORE_HANDOFF: "2" },
  });
});

async function call(callId: string, name: string, args: unknown, id?: string) {
  const { json } = await t.webhook(toolCallsMessage([{ id, name, args }], { callId, caller: "+15550177777" }));
  return json.results![0]!;
}

describe("per-call state", () => {
  it("is shared by one call's tool calls and separate between calls", async () => {
    const a = randomUUID();
    expect(JSON.parse((await call(a, "count_attempts", {})).result!)).toEqual({ attempts: 1 });
    expect(JSON.parse((await call(a, "count_attempts", {})).result!)).toEqual({ attempts: 2 });
    expect(JSON.parse((await call(randomUUID(), "count_attempts", {})).result!)).toEqual({ attempts: 1 });
  });

  it("gives tools the caller's memory across calls", async () => {
    const result = JSON.parse((await call(randomUUID(), "remember_name", { name: "Ari" })).result!);
    expect(result).toEqual({ name: "Ari", facts: { language: "en" } });
  });
});

describe("repeated tool failures", () => {
  it("tell the model to offer a transfer from the configured count on, counting each tool call once", async () => {
    const id = randomUUID();
    expect((await call(id, "always_broken", { how: "outcome" })).error).toBe("No shipment with that number.");
    const first = await call(id, "always_broken", {}, "f1");
    // Transfers are configured here: the apology offers a person.
    const apology = offeringAPerson(APOLOGY, true);
    expect(apology).toMatch(/, or I can connect you with a person\.$/);
    expect(first).toMatchObject({ error: apology });
    // Below the threshold our failure carries no message: the tool's fixed failed words play.
    expect(first).not.toHaveProperty("message");
    expect((await call(id, "always_broken", {}, "f1")).error).toBe(apology); // the same delivery again
    const second = await call(id, "always_broken", {}, "f2");
    // From the threshold on, a role-system message takes precedence over the fixed words: the model makes the offer.
    expect(second).toMatchObject({ error: apology, message: { type: "request-failed", role: "system", content: HANDOFF_HINT } });
  });

  it("offer no person when no transfer is configured, and count model mistakes too", async () => {
    const noTransfers = await createTestApp({
      toolsDir: fixtures,
      clock,
      assistant: {
        ...assistant,
        handoff: { ...assistant.handoff, rules: [{ department: "support", hours: "always", message: "One moment." }] },
      },
      env: { TOOL_FAILURES_BEFORE_HANDOFF: "2" },
    });
    const callId = randomUUID();
    const send = async (name: string, args: unknown) =>
      (await noTransfers.webhook(toolCallsMessage([{ name, args }], { callId }))).json.results![0]!;
    const broken = await send("always_broken", {});
    // Nobody to connect to: the apology promises no person, and the hint agrees with it.
    expect(broken.error).toBe(APOLOGY);
    expect(broken.error).not.toMatch(/person/);
    const mistake = await send("no_such_tool", {});
    expect(mistake.message?.content).toMatch(/^The tool did not run because of how it was called/);
    expect(mistake.message?.content).toContain(NO_TRANSFER_HINT);
    expect(mistake.message?.content).not.toContain("transferCall");
  });

  it("route the transfer by the failure reason", async () => {
    const id = randomUUID();
    await call(id, "always_broken", {});
    await call(id, "always_broken", {});
    const { json } = await t.webhook(transferDestinationRequest({ callId: id }));
    expect(json.destination).toEqual({ type: "number", number: "+15559999999", message: "Sorry about that, connecting you." });
  });
});

describe("transfer-destination-request", () => {
  it("routes to the department a tool put in the call's state", async () => {
    const id = randomUUID();
    await call(id, "count_attempts", { department: "dispatch" });
    const { status, json } = await t.webhook(transferDestinationRequest({ callId: id }));
    expect(status).toBe(200);
    expect(json).toEqual({
      destination: { type: "sip", sipUri: "sip:dispatch@pbx.example.com", message: "Dispatch, one moment." },
    });
  });

  it("routes by the caller's words while open, and speaks the closed message after hours", async () => {
    const message = transferDestinationRequest();
    const withTurns = {
      message: { ...message.message, artifact: { messages: [{ role: "user", message: "There is a mistake on my invoice." }] } },
    };
    expect((await t.webhook(withTurns)).json.destination).toMatchObject({ number: "+15550000001" });
    clock.set("2026-01-06T03:00:00Z");
    try {
      expect((await t.webhook(withTurns)).json).toEqual({ error: assistantConfig.handoff.closedMessage });
    } finally {
      clock.set("2026-01-05T17:00:00Z");
    }
  });

  it("falls back to TRANSFER_NUMBER with TRANSFER_MESSAGE", async () => {
    const { json } = await t.webhook(transferDestinationRequest());
    expect(json.destination).toMatchObject({ type: "number", number: "+15559999999" });
  });
});

describe("transfers in /readyz", () => {
  it("say which departments reach a person, without the numbers, and never make the service unready", async () => {
    const res = await t.app.request("/readyz");
    const body = (await res.json()) as { status: string; transfers: unknown };
    expect(res.status).toBe(200);
    expect(body.transfers).toEqual({ configured: true, fallback: true, departments: { billing: true, dispatch: true, support: true } });
    expect(JSON.stringify(body)).not.toContain("+1555");
    const none = await createTestApp({
      toolsDir: fixtures,
      assistant: {
        ...assistant,
        handoff: { ...assistant.handoff, rules: [{ department: "support", hours: "always", message: "One moment." }] },
      },
    });
    const off = await none.app.request("/readyz");
    expect(off.status).toBe(200);
    expect(((await off.json()) as { transfers: unknown }).transfers).toEqual({
      configured: false,
      detail: "Transfers are not configured: set TRANSFER_NUMBER or a handoff rule destination.",
    });
  });
});
