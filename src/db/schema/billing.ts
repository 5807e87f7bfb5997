import { date, index, integer, pgTable, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";
import { customers } from "./customers.ts";

export const accounts = pgTable("accounts", {
  id: uuid("id").primaryKey().defaultRandom(),
  accountNumber: text("account_number").notNull().unique(),
  customerId: uuid("customer_id")
    .notNull()
    .references(() => customers.id),
  currency: text("currency").notNull().default("USD"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const INVOICE_STATUSES = ["open", "paid", "void"] as const;

/** Amounts are integer minor units (cents); the model never supplies one. */
export const invoices = pgTable(
  "invoices",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** The business's invoice number, what a caller reads off the bill (e.g. INV-1001). */
    number: text("number").notNull().unique(),
    accountId: uuid("account_id")
      .notNull()
      .references(() => accounts.id),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull().default("USD"),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    status: text("status", { enum: INVOICE_STATUSES }).notNull().default("open"),
    paidAt: timestamp("paid_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("invoices_account_idx").on(t.accountId, t.status)],
);

/** A payment link sent to a caller. The amount is copied from the invoice when the link is made. */
export const paymentRequests = pgTable(
  "payment_requests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    invoiceId: uuid("invoice_id")
      .notNull()
      .references(() => invoices.id),
    provider: text("provider").notNull(),
    /** The provider's id (a Stripe Checkout session), when it has one. */
    externalId: text("external_id"),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    sentTo: text("sent_to").notNull(),
    status: text("status", { enum: ["sent", "paid", "expired"] })
      .notNull()
      .default("sent"),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    toolCallId: text("tool_call_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("payment_requests_invoice_idx").on(t.invoiceId)],
);

/** Confirmed payments. (provider, externalId) is unique, so a re-delivered confirmation changes nothing. */
export const payments = pgTable(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    invoiceId: uuid("invoice_id")
      .notNull()
      .references(() => invoices.id),
    paymentRequestId: uuid("payment_request_id").references(() => paymentRequests.id),
    provider: text("provider").notNull(),
    externalId: text("external_id").notNull(),
    amountCents: integer("amount_cents").notNull(),
    currency: text("currency").notNull(),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("payments_provider_external_uq").on(t.provider, t.externalId), index("payments_invoice_idx").on(t.invoiceId)],
);
