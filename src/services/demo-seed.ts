/**
 * A small, realistic demo data set for the embedded default, so `npm start` has something to
 * answer with: customers, shipments in every state, a week of slots in the business's time zone,
 * accounts with invoices. Idempotent: a restart adds the coming week's slots and changes nothing
 * else (what a demo caller booked or paid stays as it is).
 */
import { eq } from "drizzle-orm";
import type { Cache } from "../cache/cache.ts";
import type { Database } from "../db/client.ts";
import { customers } from "../db/schema/index.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { addDays, localDate, zonedTime } from "../lib/speak.ts";
import { findAvailability } from "./appointments/availability.ts";
import { bookAppointment } from "./appointments/booking.ts";
import { createSlots, upsertService } from "./appointments/catalogue.ts";
import { upsertAccount, upsertInvoice } from "./billing/accounts.ts";
import { inTransaction, type ServiceContext } from "./context.ts";
import { ensureCustomer } from "./customers.ts";
import { seedDemoCallReports } from "./latency/demo-calls.ts";
import { addShipmentEvent, type ShipmentEventInput, type UpsertShipmentInput, upsertShipment } from "./shipments/updates.ts";

/** What the start-up banner suggests trying. */
export const DEMO = {
  callerNumber: "+15550100001",
  callerName: "Jordan Rivera",
  trackingNumber: "1ZDEMO0002",
  delayedTrackingNumber: "1ZDEMO0005",
  invoiceId: "INV-1001",
  otherCallerNumber: "+15550100002",
  otherCallerName: "Sam Patel",
} as const;

const OTHER_CALLER = DEMO.otherCallerNumber;

export interface SeedDeps {
  db: Database;
  cache: Cache;
  clock: Clock;
  logger: Logger;
  timeZone: string;
}

export async function seedDemoData(deps: SeedDeps): Promise<typeof DEMO> {
  await inTransaction(deps, async (ctx) => {
    const [existing] = await ctx.db.select({ id: customers.id }).from(customers).where(eq(customers.phone, DEMO.callerNumber));
    await seedWeekOfSlots(ctx);
    if (!existing) await seedRecords(ctx);
    // A week of call reports for `npm run latency`; days already there are kept.
    await seedDemoCallReports(ctx.db, ctx.clock.now(), deps.timeZone);
  });
  return DEMO;
}

async function seedRecords(ctx: ServiceContext) {
  const now = ctx.clock.now().getTime();
  const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();
  await ensureCustomer(ctx, { phone: DEMO.callerNumber, name: DEMO.callerName });
  await ensureCustomer(ctx, { phone: OTHER_CALLER, name: DEMO.otherCallerName });

  const shipments: [UpsertShipmentInput, ShipmentEventInput[]][] = [
    [
      {
        trackingNumber: "1ZDEMO0001",
        customerPhone: DEMO.callerNumber,
        carrier: "UPS",
        origin: "Louisville, KY",
        destination: "Brooklyn, NY",
        estimatedDelivery: at(96),
      },
      [
        {
          occurredAt: at(-2),
          description: "Shipping label created",
          status: "label_created",
          location: "Louisville, KY",
          externalId: "demo-1-1",
        },
      ],
    ],
    [
      {
        trackingNumber: DEMO.trackingNumber,
        customerPhone: DEMO.callerNumber,
        carrier: "UPS",
        origin: "Memphis, TN",
        destination: "Brooklyn, NY",
        estimatedDelivery: at(30),
      },
      [
        { occurredAt: at(-40), description: "Picked up", status: "in_transit", location: "Memphis, TN", externalId: "demo-2-1" },
        { occurredAt: at(-6), description: "Departed facility", status: "in_transit", location: "Harrisburg, PA", externalId: "demo-2-2" },
      ],
    ],
    [
      { trackingNumber: "1ZDEMO0003", customerPhone: OTHER_CALLER, carrier: "FedEx", destination: "Queens, NY", estimatedDelivery: at(5) },
      [
        { occurredAt: at(-20), description: "Arrived at facility", status: "in_transit", location: "Newark, NJ", externalId: "demo-3-1" },
        { occurredAt: at(-2), description: "Out for delivery", status: "out_for_delivery", location: "Queens, NY", externalId: "demo-3-2" },
      ],
    ],
    [
      { trackingNumber: "1ZDEMO0004", customerPhone: DEMO.callerNumber, carrier: "USPS", destination: "Brooklyn, NY" },
      [
        {
          occurredAt: at(-50),
          description: "Delivered, front door",
          status: "delivered",
          location: "Brooklyn, NY",
          externalId: "demo-4-1",
        },
      ],
    ],
    [
      {
        trackingNumber: DEMO.delayedTrackingNumber,
        customerPhone: OTHER_CALLER,
        carrier: "UPS",
        destination: "Boston, MA",
        estimatedDelivery: at(48),
      },
      [
        {
          occurredAt: at(-10),
          description: "Held at facility",
          status: "exception",
          location: "Hartford, CT",
          delayReason: "severe weather in the region",
          externalId: "demo-5-1",
        },
      ],
    ],
    [
      { trackingNumber: "1ZDEMO0006", customerPhone: OTHER_CALLER, carrier: "DHL", destination: "Boston, MA", estimatedDelivery: at(-20) },
      [{ occurredAt: at(-60), description: "Departed facility", status: "in_transit", location: "Cincinnati, OH", externalId: "demo-6-1" }],
    ],
  ];
  for (const [shipment, events] of shipments) {
    await upsertShipment(ctx, shipment);
    for (const event of events) await addShipmentEvent(ctx, shipment.trackingNumber, event);
  }

  const today = localDate(ctx.clock.now(), ctx.timeZone);
  await upsertAccount(ctx, { accountNumber: "AC-1001", customerPhone: DEMO.callerNumber, customerName: DEMO.callerName });
  await upsertInvoice(ctx, {
    invoiceId: "INV-1000",
    accountNumber: "AC-1001",
    amountCents: 8_900,
    dueDate: addDays(today, -20),
    status: "paid",
  });
  await upsertInvoice(ctx, { invoiceId: DEMO.invoiceId, accountNumber: "AC-1001", amountCents: 12_000, dueDate: addDays(today, 10) });
  await upsertInvoice(ctx, { invoiceId: "INV-1002", accountNumber: "AC-1001", amountCents: 4_550, dueDate: addDays(today, 40) });
  await upsertAccount(ctx, { accountNumber: "AC-2001", customerPhone: OTHER_CALLER });
  await upsertInvoice(ctx, { invoiceId: "INV-2001", accountNumber: "AC-2001", amountCents: 31_075, dueDate: addDays(today, -3) });

  // An upcoming appointment for the demo caller: the second open consultation from tomorrow.
  const open = await findAvailability(ctx, { service: "consultation", day: addDays(today, 1), limit: 2 });
  const slot = open.ok ? (open.value.slots[1] ?? open.value.slots[0]) : undefined;
  if (slot)
    await bookAppointment(ctx, {
      callerNumber: DEMO.callerNumber,
      slotId: slot.slotId,
      customerName: DEMO.callerName,
      notes: "Demo booking",
    });
}

/** Weekday consultations 9-5 every 30 minutes, fittings 10-4 hourly, Saturday mornings: the next seven days. */
async function seedWeekOfSlots(ctx: ServiceContext) {
  await upsertService(ctx, { code: "consultation", name: "Consultation", durationMinutes: 30 });
  await upsertService(ctx, { code: "fitting", name: "Fitting", durationMinutes: 60 });
  const today = localDate(ctx.clock.now(), ctx.timeZone);
  const consultations: { startsAt: string }[] = [];
  const fittings: { startsAt: string }[] = [];
  for (let d = 0; d < 7; d++) {
    const day = addDays(today, d);
    const weekday = new Date(`${day}T12:00:00Z`).getUTCDay();
    if (weekday === 0) continue;
    const [open, close] = weekday === 6 ? [9, 12] : [9, 17];
    for (let h = open; h < close; h++) {
      for (const m of [0, 30]) consultations.push({ startsAt: zonedTime(day, h, m, ctx.timeZone).toISOString() });
      if (h >= 10 && h < Math.min(close, 16)) fittings.push({ startsAt: zonedTime(day, h, 0, ctx.timeZone).toISOString() });
    }
  }
  const now = ctx.clock.now().getTime();
  const future = (s: { startsAt: string }) => Date.parse(s.startsAt) > now;
  await createSlots(ctx, { service: "consultation", slots: consultations.filter(future) });
  await createSlots(ctx, { service: "fitting", slots: fittings.filter(future) });
}
