/** Builds business data for tests through the same services the REST API uses, with unique numbers per test. */
import { randomBytes, randomInt } from "node:crypto";
import { createSlots, upsertService } from "../../src/services/appointments/catalogue.ts";
import { upsertAccount, upsertInvoice } from "../../src/services/billing/accounts.ts";
import { inTransaction, type ServiceContext } from "../../src/services/context.ts";
import {
  addShipmentEvent,
  type ShipmentEventInput,
  type UpsertShipmentInput,
  upsertShipment,
} from "../../src/services/shipments/updates.ts";
import type { TestApp } from "./harness.ts";

/** A fresh E.164 number no other test uses, never in the demo data's +1555010… range. */
export function uniquePhone(): string {
  return `+1555${randomInt(1_000_000, 10_000_000)}`;
}

export function uniqueCode(prefix: string): string {
  return `${prefix}${randomBytes(4).toString("hex").toUpperCase()}`;
}

/** Runs service writes in a transaction against the test app's database and cache. */
export function write<T>(t: TestApp, fn: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  const { db, cache, clock, logger, config } = t.deps;
  return inTransaction({ db, cache, clock, logger, timeZone: config.BUSINESS_TIMEZONE }, fn);
}

export async function givenShipment(t: TestApp, input: Partial<UpsertShipmentInput> = {}, events: ShipmentEventInput[] = []) {
  const trackingNumber = input.trackingNumber ?? uniqueCode("1Z");
  await write(t, async (ctx) => {
    const r = await upsertShipment(ctx, {
      status: "in_transit",
      carrier: "UPS",
      currentLocation: "Columbus, OH",
      ...input,
      trackingNumber,
    });
    if (!r.ok) throw new Error(r.error.message);
    for (const e of events) {
      const ev = await addShipmentEvent(ctx, trackingNumber, e);
      if (!ev.ok) throw new Error(ev.error.message);
    }
  });
  return trackingNumber;
}

/** A service of its own (so other tests' slots never show up) with slots at the given offsets from now. */
export async function givenSlots(t: TestApp, offsetsHours: number[], name = "Consultation") {
  const code = uniqueCode("svc").toLowerCase();
  const serviceName = `${name} ${code}`;
  const now = Date.now();
  const created = await write(t, async (ctx) => {
    await upsertService(ctx, { code, name: serviceName, durationMinutes: 30 });
    const r = await createSlots(ctx, {
      service: code,
      slots: offsetsHours.map((h) => ({ startsAt: new Date(Math.floor((now + h * 3_600_000) / 60_000) * 60_000).toISOString() })),
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.created;
  });
  return { code, serviceName, slotIds: created.sort((a, b) => a.startsAt.localeCompare(b.startsAt)).map((c) => c.slotId) };
}

export async function givenAccount(
  t: TestApp,
  phone: string,
  invoices: { amountCents: number; dueDate: string; status?: "open" | "paid" }[],
) {
  const accountNumber = uniqueCode("AC");
  const numbers: string[] = [];
  await write(t, async (ctx) => {
    await upsertAccount(ctx, { accountNumber, customerPhone: phone, customerName: "Pat Doe" });
    for (const inv of invoices) {
      const invoiceId = uniqueCode("INV-");
      numbers.push(invoiceId);
      const r = await upsertInvoice(ctx, { invoiceId, accountNumber, ...inv });
      if (!r.ok) throw new Error(r.error.message);
    }
  });
  return { accountNumber, invoiceIds: numbers };
}

/**
 * Calls one tool through POST /vapi/webhook as `caller` and returns its answer, parsed when it is
 * a result. Each call is made in a new Vapi call unless `callId` is given (a redelivery is the same
 * `callId` and `id`).
 */
export async function callTool(
  t: TestApp,
  name: string,
  args: unknown,
  options: { caller?: string | null; id?: string; callId?: string } = {},
) {
  const { toolCallsMessage } = await import("./vapi-messages.ts");
  const msg = toolCallsMessage([{ name, args, ...(options.id ? { id: options.id } : {}) }], {
    caller: options.caller ?? undefined,
    ...(options.callId ? { callId: options.callId } : {}),
  });
  if (options.caller === null) {
    delete (msg.message.call as { customer?: unknown }).customer;
    delete (msg.message as { customer?: unknown }).customer;
  }
  const { status, json } = await t.webhook(msg);
  if (status !== 200) throw new Error(`webhook answered ${status}`);
  const a = json.results![0]!;
  // Tests read into the parsed result freely; a wrong shape fails their assertions.
  // biome-ignore lint/suspicious/noExplicitAny: test convenience over the JSON the tool answered
  return { ...a, data: a.result ? (JSON.parse(a.result) as Record<string, any>) : undefined };
}
