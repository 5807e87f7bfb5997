import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { customers } from "./customers.ts";

/** What can be booked (a consultation, a fitting, ...), addressed by a short code. */
export const services = pgTable("services", {
  id: uuid("id").primaryKey().defaultRandom(),
  code: text("code").notNull().unique(),
  name: text("name").notNull(),
  durationMinutes: integer("duration_minutes").notNull().default(30),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** A bookable time of one service. Whether it is free is decided by `appointments`, not stored here. */
export const slots = pgTable(
  "slots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    serviceId: uuid("service_id")
      .notNull()
      .references(() => services.id, { onDelete: "cascade" }),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("slots_service_start_uq").on(t.serviceId, t.startsAt), index("slots_starts_at_idx").on(t.startsAt)],
);

export const APPOINTMENT_STATUSES = ["booked", "cancelled"] as const;

export const appointments = pgTable(
  "appointments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slotId: uuid("slot_id")
      .notNull()
      .references(() => slots.id),
    customerId: uuid("customer_id")
      .notNull()
      .references(() => customers.id),
    customerName: text("customer_name").notNull(),
    notes: text("notes"),
    status: text("status", { enum: APPOINTMENT_STATUSES }).notNull().default("booked"),
    /** Short code the caller can read back; unique across all appointments. */
    confirmationCode: text("confirmation_code").notNull().unique(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    /** When the customer confirmed they will come (on a reminder call, `confirm_appointment`). */
    confirmedAt: timestamp("confirmed_at", { withTimezone: true }),
  },
  (t) => [
    // The double-booking guard: at most one active appointment per slot, enforced by Postgres
    // itself so concurrent bookings cannot both win (no check-then-insert anywhere).
    uniqueIndex("appointments_one_active_per_slot").on(t.slotId).where(sql`status = 'booked'`),
    index("appointments_customer_idx").on(t.customerId, t.status),
  ],
);
