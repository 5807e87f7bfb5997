// Protects personalization from the business records: a caller's open shipments, next appointment and name reach the assistant, never another caller's, and bookings show on the next call.
import { beforeAll, describe, expect, it } from "vitest";
import { rememberAboutCaller } from "../../src/services/caller-memory.ts";
import { ensureCustomer } from "../../src/services/customers.ts";
import { callTool, givenShipment, givenSlots, uniquePhone, write } from "../support/business.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { assistantRequest } from "../support/vapi-messages.ts";

// A generous budget: these tests assert what personalization finds, not how fast (the budget has its own test).
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ env: { PERSONALIZATION_BUDGET_MS: "5000", TOOL_BUDGET_MS: "3000" } });
});

type Served = {
  assistant: { firstMessage: string; model: { messages: { content: string }[] } };
  assistantOverrides: { variableValues: Record<string, string> };
};

async function served(caller: string) {
  const { status, json } = await t.webhook(assistantRequest({ caller }));
  expect(status).toBe(200);
  const s = json as unknown as Served;
  return {
    prompt: s.assistant.model.messages[0]?.content ?? "",
    vars: s.assistantOverrides.variableValues,
    first: s.assistant.firstMessage,
  };
}

async function personalizationSource(caller: string) {
  const res = await t.app.request(`/vapi/assistant?caller=${encodeURIComponent(caller)}`, { headers: { "x-vapi-secret": TEST_SECRET } });
  return ((await res.json()) as { personalization: { source: string } }).personalization.source;
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

/** A caller with an open and a delivered shipment, and a booked appointment (booked through the tool). */
async function callerWithRecords(name: string) {
  const caller = uniquePhone();
  const open = await givenShipment(t, { customerPhone: caller, estimatedDelivery: inDays(2) });
  const delivered = await givenShipment(t, { customerPhone: caller, status: "delivered" });
  const { serviceName, slotIds } = await givenSlots(t, [26, 50], "Fitting");
  const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: name }, { caller });
  expect(booked.data).toMatchObject({ booked: true, service: serviceName });
  return { caller, open, delivered, serviceName, time: booked.data!.time as string };
}

describe("personalization from business records", () => {
  it("puts the caller's open shipments, next appointment and customer name in the variable values and the prompt", async () => {
    const a = await callerWithRecords("Robin Okafor");
    const { prompt, vars, first } = await served(a.caller);
    expect(vars.callerName).toBe("Robin Okafor");
    expect(first).toMatch(/^Hi Robin, thanks/);
    expect(vars.callerContext).toContain("Their name is Robin Okafor.");
    expect(vars.callerContext).toMatch(new RegExp(`Open shipments: ${a.open} \\(in transit, due \\w+day, \\w+ \\d+\\)\\.`));
    expect(vars.callerContext).not.toContain(a.delivered);
    expect(vars.callerContext).toContain(`Next appointment: ${a.serviceName}, ${a.time}.`);
    expect(prompt).toContain(a.open);
    expect(prompt).toContain(`Next appointment: ${a.serviceName}, ${a.time}.`);
  });

  it("never shows one caller's records to another", async () => {
    const a = await callerWithRecords("Alex Moreau");
    const b = await callerWithRecords("Bea Lindqvist");
    const forA = await served(a.caller);
    const forB = await served(b.caller);
    expect(forA.vars.callerContext).toContain(a.open);
    expect(forB.vars.callerContext).toContain(b.open);
    for (const [mine, theirs] of [
      [forA, b],
      [forB, a],
    ] as const) {
      const everything = `${mine.prompt} ${JSON.stringify(mine.vars)}`;
      expect(everything).not.toContain(theirs.open);
      expect(everything).not.toContain(theirs.serviceName);
    }
    expect(forA.vars.callerName).toBe("Alex Moreau");
    expect(forB.vars.callerName).toBe("Bea Lindqvist");
  });

  it("shows a booking made with book_appointment on the next assistant-request, and drops it once cancelled", async () => {
    const caller = uniquePhone();
    await write(t, (ctx) => ensureCustomer(ctx, { phone: caller, name: "Casey Brandt" }));
    const before = await served(caller);
    expect(before.vars.callerContext).not.toContain("Next appointment");
    expect(await personalizationSource(caller)).toBe("cache");

    const { serviceName, slotIds } = await givenSlots(t, [30]);
    const booked = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Casey Brandt" }, { caller });
    expect(booked.data).toMatchObject({ booked: true });
    const after = await served(caller);
    expect(after.vars.callerContext).toContain(`Next appointment: ${serviceName}, ${booked.data!.time}.`);

    const cancelled = await callTool(t, "cancel_appointment", { confirmationCode: booked.data!.confirmationCode }, { caller });
    expect(cancelled.data).toMatchObject({ cancelled: true });
    expect((await served(caller)).vars.callerContext).not.toContain("Next appointment");
  });

  it("drops a shipment from the profile once a scan event marks it delivered", async () => {
    const caller = uniquePhone();
    const tn = await givenShipment(t, { customerPhone: caller });
    expect((await served(caller)).vars.callerContext).toContain(tn);
    await givenShipment(t, { trackingNumber: tn }, [
      { occurredAt: new Date().toISOString(), description: "Delivered", status: "delivered" },
    ]);
    expect((await served(caller)).vars.callerContext).not.toContain(tn);
  });

  it("prefers the name the caller gave on a call over the customer record's", async () => {
    const caller = uniquePhone();
    await write(t, (ctx) => ensureCustomer(ctx, { phone: caller, name: "Margaret Holm" }));
    await rememberAboutCaller({ db: t.deps.db, cache: t.deps.cache, logger: t.deps.logger, ttlMs: 60_000 }, caller, { name: "Maggie" });
    expect((await served(caller)).vars.callerName).toBe("Maggie");
  });
});
