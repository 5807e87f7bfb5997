// Protects every business tool inside workerd against the real Postgres (through Hyperdrive) and Redis: each answers from the records, writes are idempotent and race-safe, and a committed write is seen by the next read.

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { namespaces } from "../../src/cache/namespaces.ts";
import { createDatabase } from "../../src/db/client.ts";
import { appointments, outbox } from "../../src/db/schema/index.ts";
import { createSlots, upsertService } from "../../src/services/appointments/catalogue.ts";
import { upsertAccount, upsertInvoice } from "../../src/services/billing/accounts.ts";
import { addShipmentEvent, upsertShipment } from "../../src/services/shipments/updates.ts";
import worker from "../../src/worker.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { BASE, callTool, SECRET, seed, type ToolAnswer, testEnv, uniqueCode, uniquePhone, webhook, withRedis } from "./support.ts";

const hours = (h: number) => new Date(Math.floor((Date.now() + h * 3_600_000) / 60_000) * 60_000).toISOString();

/** A service of its own (so no other test's slots show up) with slots `offsets` hours from now. */
async function givenSlots(offsets: number[]) {
  const code = uniqueCode("svc").toLowerCase();
  const name = `Consultation ${code}`;
  const created = await seed(async (ctx) => {
    await upsertService(ctx, { code, name, durationMinutes: 30 });
    const r = await createSlots(ctx, { service: code, slots: offsets.map((h) => ({ startsAt: hours(h) })) });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.created;
  });
  return { code, name, slotIds: created.sort((a, b) => a.startsAt.localeCompare(b.startsAt)).map((c) => c.slotId) };
}

function db() {
  return createDatabase(testEnv.HYPERDRIVE.connectionString, { max: 1, fetchTypes: false }).db;
}

describe("reads", () => {
  it("get_business_hours answers the configured hours", async () => {
    const { data } = await callTool("get_business_hours", { day: "Saturday" });
    expect(data).toMatchObject({ day: "Saturday", hours: expect.stringMatching(/^9 AM to /) });
  });

  it("get_shipment_status answers by tracking number and lists the caller's own shipments", async () => {
    const caller = uniquePhone();
    const trackingNumber = uniqueCode("1Z");
    await seed(async (ctx) => {
      await upsertShipment(ctx, {
        trackingNumber,
        customerPhone: caller,
        status: "in_transit",
        carrier: "UPS",
        currentLocation: "Columbus, OH",
      });
    });
    const byNumber = await callTool("get_shipment_status", { trackingNumber });
    expect(byNumber.error).toBeUndefined();
    expect(byNumber.data).toMatchObject({ trackingNumber, status: "in transit", location: "Columbus, OH", delayed: false });
    const mine = await callTool("get_shipment_status", {}, caller);
    expect(mine.data?.shipments.map((s: { trackingNumber: string }) => s.trackingNumber)).toEqual([trackingNumber]);
    expect((await callTool("get_shipment_status", { trackingNumber: "NOPE12345" })).error).toMatch(/couldn't find a shipment/);
  });

  it("check_availability offers the open slots of a service", async () => {
    const { name, slotIds } = await givenSlots([30, 31]);
    const { data, error } = await callTool("check_availability", { service: name });
    expect(error).toBeUndefined();
    expect(data?.slots.map((s: { slotId: string }) => s.slotId)).toEqual(slotIds);
  });

  it("get_account_balance answers the caller's own balance and nobody else's", async () => {
    const caller = uniquePhone();
    const accountNumber = uniqueCode("AC");
    await seed(async (ctx) => {
      await upsertAccount(ctx, { accountNumber, customerPhone: caller, customerName: "Pat Doe" });
      const r = await upsertInvoice(ctx, {
        invoiceId: uniqueCode("INV-"),
        accountNumber,
        amountCents: 12_000,
        dueDate: hours(24 * 5).slice(0, 10),
      });
      if (!r.ok) throw new Error(r.error.message);
    });
    const { data, error } = await callTool("get_account_balance", {}, caller);
    expect(error).toBeUndefined();
    expect(data).toMatchObject({ accountNumber, balance: "$120.00" });
    expect((await callTool("get_account_balance", { accountNumber }, uniquePhone())).error).toMatch(/couldn't find|don't see/);
  });
});

describe("appointment writes", () => {
  it("book, list, reschedule and cancel, each seen by the next read", async () => {
    const caller = uniquePhone();
    const { name, slotIds } = await givenSlots([40, 41, 42]);
    const booked = await callTool("book_appointment", { slotId: slotIds[0], customerName: "Ada Lovelace" }, caller);
    expect(booked.error).toBeUndefined();
    expect(booked.data).toMatchObject({ booked: true, name: "Ada Lovelace", service: name });
    const code = booked.data?.confirmationCode as string;
    expect(code).toMatch(/^[A-Z2-9]{6}$/);

    // The booking invalidated every availability list: the slot is never offered again.
    const open = await callTool("check_availability", { service: name });
    expect(open.data?.slots.map((s: { slotId: string }) => s.slotId)).toEqual(slotIds.slice(1));
    const listed = await callTool("list_my_appointments", {}, caller);
    expect(listed.data?.appointments).toEqual([expect.objectContaining({ confirmationCode: code, service: name })]);

    const moved = await callTool("reschedule_appointment", { newSlotId: slotIds[2], confirmationCode: code }, caller);
    expect(moved.data).toMatchObject({ rescheduled: true, confirmationCode: code });
    const afterMove = await callTool("check_availability", { service: name });
    expect(afterMove.data?.slots.map((s: { slotId: string }) => s.slotId)).toEqual(slotIds.slice(0, 2));

    const cancelled = await callTool("cancel_appointment", {}, caller);
    expect(cancelled.data).toMatchObject({ cancelled: true, confirmationCode: code });
    expect((await callTool("list_my_appointments", {}, caller)).data?.appointments).toEqual([]);
    const afterCancel = await callTool("check_availability", { service: name });
    expect(afterCancel.data?.slots.map((s: { slotId: string }) => s.slotId)).toEqual(slotIds);
  });

  it("a repeated delivery of one booking gets the stored answer and books once", async () => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots([50]);
    const message = toolCallsMessage(
      [{ id: `dup_${crypto.randomUUID()}`, name: "book_appointment", args: { slotId: slotIds[0], customerName: "Once" } }],
      {
        caller,
      },
    );
    const answers = await Promise.all([webhook(message), webhook(message), webhook(message)]);
    for (const a of answers) expect(a.json.results).toEqual(answers[0]?.json.results);
    expect(answers[0]?.json.results?.[0]?.result).toContain('"booked":true');
    const rows = await db().select().from(appointments).where(eq(appointments.slotId, slotIds[0]!));
    expect(rows).toHaveLength(1);
  });

  it("of concurrent bookings of the same slots, exactly one per slot wins; the others hear it was taken", async () => {
    const { slotIds } = await givenSlots([60, 61]);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        callTool("book_appointment", { slotId: slotIds[i % 2], customerName: `Racer ${i}` }, uniquePhone()),
      ),
    );
    const wins = answers.filter((a) => a.data?.booked);
    expect(wins).toHaveLength(2);
    for (const lost of answers.filter((a) => !a.data?.booked)) expect(lost.error).toMatch(/was just taken/);
    const rows = await db()
      .select({ slotId: appointments.slotId, code: appointments.confirmationCode })
      .from(appointments)
      .where(and(inArray(appointments.slotId, slotIds), eq(appointments.status, "booked")));
    expect(new Set(rows.map((r) => r.slotId))).toEqual(new Set(slotIds));
    expect(new Set(rows.map((r) => r.code))).toEqual(new Set(wins.map((w) => w.data?.confirmationCode)));
  });
});

describe("payments", () => {
  it("send_payment_link texts a link for the invoice due first, once per tool call", async () => {
    const caller = uniquePhone();
    const accountNumber = uniqueCode("AC");
    const invoiceId = uniqueCode("INV-");
    await seed(async (ctx) => {
      await upsertAccount(ctx, { accountNumber, customerPhone: caller });
      const r = await upsertInvoice(ctx, { invoiceId, accountNumber, amountCents: 4_550, dueDate: hours(24 * 3).slice(0, 10) });
      if (!r.ok) throw new Error(r.error.message);
    });
    const message = toolCallsMessage([{ id: `pay_${crypto.randomUUID()}`, name: "send_payment_link", args: {} }], { caller });
    const first = await webhook(message);
    const again = await webhook(message);
    expect(again.json.results).toEqual(first.json.results);
    const answer = JSON.parse(first.json.results?.[0]?.result ?? "null");
    expect(answer).toMatchObject({ sent: true, invoiceId, amount: "$45.50", to: `ending in ${caller.slice(-4)}` });
    const texts = await db().select().from(outbox).where(eq(outbox.recipient, caller));
    expect(texts).toHaveLength(1);
    expect(texts[0]?.body).toContain("https://");
  });
});

describe("freshness", () => {
  it("a new scan event committed elsewhere is heard on the next call (generation invalidation)", async () => {
    const trackingNumber = uniqueCode("1Z");
    await seed((ctx) => upsertShipment(ctx, { trackingNumber, status: "in_transit", carrier: "UPS", currentLocation: "Memphis, TN" }));
    expect((await callTool("get_shipment_status", { trackingNumber })).data).toMatchObject({
      status: "in transit",
      location: "Memphis, TN",
    });
    await seed((ctx) =>
      addShipmentEvent(ctx, trackingNumber, {
        occurredAt: new Date().toISOString(),
        description: "Out for delivery",
        status: "out_for_delivery",
        location: "Brooklyn, NY",
      }),
    );
    expect((await callTool("get_shipment_status", { trackingNumber })).data).toMatchObject({
      status: "out for delivery",
      location: "Brooklyn, NY",
    });
  });

  it("a stale entry is answered at once and refreshed from Postgres under waitUntil", async () => {
    const trackingNumber = uniqueCode("1Z");
    await seed((ctx) => upsertShipment(ctx, { trackingNumber, status: "in_transit", carrier: "UPS", currentLocation: "Columbus, OH" }));
    /** One lookup through the Worker's fetch handler, returning once its deferred cache work has settled. */
    const lookUp = async () => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}/vapi/webhook`, {
          method: "POST",
          headers: { "x-vapi-secret": SECRET },
          body: JSON.stringify(toolCallsMessage([{ name: "get_shipment_status", args: { trackingNumber } }])),
        }),
        testEnv as never,
        ctx,
      );
      const answer = ((await res.json()) as { results: ToolAnswer[] }).results[0];
      await waitOnExecutionContext(ctx);
      return JSON.parse(answer?.result ?? "null") as { location: string };
    };
    const key = namespaces.shipment.key(trackingNumber);
    expect((await lookUp()).location).toBe("Columbus, OH");
    // The deferred fill stored the entry; age it past its TTL with a value only the cache has.
    await withRedis(async (cache) => {
      const entry = JSON.parse((await cache.get(key))!) as { f: number };
      await cache.set(key, JSON.stringify({ ...entry, f: 0 }).replaceAll("Columbus, OH", "Stale Town, OH"), 60_000);
    });
    expect((await lookUp()).location).toBe("Stale Town, OH");
    // The background refresh, kept alive by waitUntil, replaced it with the row from Postgres.
    const refreshed = await withRedis(async (cache) => JSON.parse((await cache.get(key))!) as { f: number });
    expect(refreshed.f).toBeGreaterThan(Date.now());
    expect(JSON.stringify(refreshed)).toContain("Columbus, OH");
    expect((await lookUp()).location).toBe("Columbus, OH");
  });
});
