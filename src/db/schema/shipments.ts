import { index, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { customers } from "./customers.ts";

export const SHIPMENT_STATUSES = ["label_created", "in_transit", "out_for_delivery", "delivered", "exception", "returned"] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

/** A parcel as the business's systems last reported it; events below are its history. */
export const shipments = pgTable(
  "shipments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Normalized: upper case, no spaces or dashes. */
    trackingNumber: text("tracking_number").notNull().unique(),
    customerId: uuid("customer_id").references(() => customers.id, { onDelete: "set null" }),
    status: text("status", { enum: SHIPMENT_STATUSES }).notNull().default("label_created"),
    carrier: text("carrier"),
    origin: text("origin"),
    destination: text("destination"),
    /** City-level location, safe to speak to anyone holding the tracking number. */
    currentLocation: text("current_location"),
    estimatedDelivery: timestamp("estimated_delivery", { withTimezone: true }),
    /** Set while the shipment is held up; cleared when it moves again. */
    delayReason: text("delay_reason"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    lastEventAt: timestamp("last_event_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("shipments_customer_idx").on(t.customerId, t.updatedAt)],
);

/** Scan events posted by the business's systems. `externalId` makes re-posting an event harmless. */
export const shipmentEvents = pgTable(
  "shipment_events",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    shipmentId: uuid("shipment_id")
      .notNull()
      .references(() => shipments.id, { onDelete: "cascade" }),
    externalId: text("external_id"),
    occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
    status: text("status", { enum: SHIPMENT_STATUSES }),
    location: text("location"),
    description: text("description").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("shipment_events_shipment_idx").on(t.shipmentId, t.occurredAt),
    unique("shipment_events_external_uq").on(t.shipmentId, t.externalId),
  ],
);
