// Protects get_shipment_status: status wording, delays, caller scoping, and fresh answers after a new scan event with the cache in front.
import { beforeAll, describe, expect, it } from "vitest";
import { addShipmentEvent } from "../../src/services/shipments/updates.ts";
import { callTool, givenShipment, uniquePhone, write } from "../support/business.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
});

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

describe("get_shipment_status", () => {
  it("answers status, location, ETA and the last event for a tracking number, however it is spoken", async () => {
    const tn = await givenShipment(t, { estimatedDelivery: inDays(2) }, [
      { occurredAt: inDays(-1), description: "Departed facility", location: "Columbus, OH", status: "in_transit" },
    ]);
    const spoken = `${tn.slice(0, 4).toLowerCase()} ${tn.slice(4, 7)}-${tn.slice(7)}`;
    const a = await callTool(t, "get_shipment_status", { trackingNumber: spoken });
    expect(a.error).toBeUndefined();
    expect(a.data).toMatchObject({ trackingNumber: tn, status: "in transit", location: "Columbus, OH", delayed: false });
    expect(a.data!.eta).toMatch(/^[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}$/);
    // A whole hour is spoken without its minutes ("5 PM"), any other time with them ("5:30 PM").
    expect(a.data!.lastEvent).toMatch(/^Departed facility in Columbus, OH, .+ at \d{1,2}(:\d{2})? (AM|PM)$/);
    expect(a.result).not.toContain("\n");
  });

  it("says when and why a shipment is delayed", async () => {
    const held = await givenShipment(t, { status: "exception", delayReason: "severe weather at the hub" });
    expect((await callTool(t, "get_shipment_status", { trackingNumber: held })).data).toMatchObject({
      delayed: true,
      delayReason: "severe weather at the hub",
      status: "held up",
    });
    const late = await givenShipment(t, { estimatedDelivery: inDays(-2) });
    expect((await callTool(t, "get_shipment_status", { trackingNumber: late })).data).toMatchObject({
      delayed: true,
      delayReason: "it is past its estimated delivery date",
    });
  });

  it("answers an unknown tracking number with a helpful error", async () => {
    const a = await callTool(t, "get_shipment_status", { trackingNumber: "NOPE12345" });
    expect(a.result).toBeUndefined();
    expect(a.error).toMatch(/couldn't find a shipment with tracking number N O P E, 1 2 3 4, 5/);
  });

  it("does not read back an unknown tracking number longer than any carrier's", async () => {
    const a = await callTool(t, "get_shipment_status", { trackingNumber: "ZX".repeat(32) });
    expect(a.error).toMatch(/^I couldn't find a shipment with that tracking number\./);
  });

  it("rejects invalid arguments, naming the field", async () => {
    const a = await callTool(t, "get_shipment_status", { trackingNumber: 12345 });
    expect(a.error).toMatch(/^Invalid arguments: "trackingNumber"/);
  });

  it("lists the caller's own recent shipments without a tracking number, and nobody else's", async () => {
    const alice = uniquePhone();
    const bob = uniquePhone();
    const mine = await givenShipment(t, { customerPhone: alice });
    await givenShipment(t, { customerPhone: bob });
    const a = await callTool(t, "get_shipment_status", {}, { caller: alice });
    expect(a.data!.shipments.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([mine]);

    const stranger = await callTool(t, "get_shipment_status", {}, { caller: uniquePhone() });
    expect(stranger.error).toMatch(/don't see any shipments/);
    const anonymous = await callTool(t, "get_shipment_status", {}, { caller: null });
    expect(anonymous.error).toMatch(/can't see the number you're calling from/);
  });

  it("shows a new scan event on the very next call, with the cache in front", async () => {
    const phone = uniquePhone();
    const tn = await givenShipment(t, { customerPhone: phone }, [
      { occurredAt: inDays(-1), description: "Departed facility", location: "Columbus, OH" },
    ]);
    // Warm both cached views.
    expect((await callTool(t, "get_shipment_status", { trackingNumber: tn })).data!.status).toBe("in transit");
    expect((await callTool(t, "get_shipment_status", {}, { caller: phone })).data!.shipments[0].status).toBe("in transit");

    await write(t, (ctx) =>
      addShipmentEvent(ctx, tn, {
        occurredAt: new Date().toISOString(),
        description: "Out for delivery",
        location: "Dayton, OH",
        status: "out_for_delivery",
      }),
    );

    const after = await callTool(t, "get_shipment_status", { trackingNumber: tn });
    expect(after.data).toMatchObject({ status: "out for delivery", location: "Dayton, OH" });
    expect(after.data!.lastEvent).toMatch(/^Out for delivery in Dayton, OH/);
    expect((await callTool(t, "get_shipment_status", {}, { caller: phone })).data!.shipments[0].status).toBe("out for delivery");
  });
});
