/** The REST API's request and response schemas and route declarations, from which `/api/openapi.json` is generated. */
import { createRoute, z } from "@hono/zod-openapi";
import { SHIPMENT_STATUSES } from "../../db/schema/index.ts";
import { E164_MESSAGE, E164 as E164_PATTERN } from "../../lib/patterns.ts";
import { errorResponses as errors, jsonResponse as json, notFoundResponse as notFound, bearerSecurity as security } from "./app.ts";

const Phone = z.string().regex(E164_PATTERN, E164_MESSAGE).openapi({ example: "+15551234567" });
/**
 * Times and dates the business can mean, and that Postgres and the availability queries handle:
 * year 0000 is no date to Postgres, and a time late on 9999-12-31 is year 10000 in UTC (or once a
 * slot's duration is added). Both were a 500; outside this range they are a 400 naming the field.
 */
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 0, 1);
const RANGE = "must be between 1900 and 9998";
// An unparseable value is left to the format check, which names it once.
const inRange = (ms: number) => Number.isNaN(ms) || (ms >= EARLIEST && ms < LATEST);
const Instant = z.iso
  .datetime({ offset: true })
  .refine((v) => inRange(Date.parse(v)), `${RANGE} (in UTC)`)
  .openapi({ example: "2026-03-03T14:30:00-05:00" });
const Day = z.iso
  .date()
  .refine((v) => inRange(Date.parse(`${v}T00:00:00Z`)), RANGE)
  .openapi({ example: "2026-03-31" });
/** An estimated delivery: an instant, or a plain date (taken as midday in BUSINESS_TIMEZONE). */
const Eta = z.union([Instant, Day]).openapi({ example: "2026-03-05" });
const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD")
  .openapi({ example: "USD" });
const text = (max: number) => z.string().trim().min(1).max(max);

const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

const CustomerIn = z.object({ phone: Phone, name: text(120).nullish(), email: z.email().nullish() }).openapi("CustomerUpsert");
const CustomerOut = z.object({ id: z.string(), phone: z.string(), name: z.string().nullable(), created: z.boolean() }).openapi("Customer");

const ShipmentIn = z
  .object({
    trackingNumber: text(64),
    customerPhone: Phone.nullish(),
    status: z.enum(SHIPMENT_STATUSES).optional(),
    carrier: text(60).nullish(),
    origin: text(120).nullish(),
    destination: text(120).nullish(),
    currentLocation: text(120).nullish().describe("City-level location, spoken to anyone with the tracking number."),
    estimatedDelivery: Eta.nullish(),
    delayReason: text(200).nullish(),
  })
  .openapi("ShipmentUpsert");

const ShipmentEventIn = z
  .object({
    occurredAt: Instant,
    description: text(200),
    status: z.enum(SHIPMENT_STATUSES).optional(),
    location: text(120).nullish(),
    externalId: text(120).nullish().describe("Your id for the event: posting the same id again changes nothing."),
    estimatedDelivery: Eta.nullish(),
    delayReason: text(200).nullish().describe("Set to explain a delay; null clears it."),
  })
  .openapi("ShipmentEvent");

const ServiceIn = z
  .object({
    code: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lower-case letters, digits and dashes")
      .openapi({ example: "consultation" }),
    name: text(80),
    durationMinutes: z
      .number()
      .int()
      .min(5)
      .max(24 * 60)
      .optional(),
  })
  .openapi("ServiceUpsert");

const SlotsIn = z
  .object({
    service: z.string().min(1).describe("The service code."),
    slots: z
      .array(
        z.object({
          startsAt: Instant,
          durationMinutes: z
            .number()
            .int()
            .min(5)
            .max(24 * 60)
            .optional(),
        }),
      )
      .min(1)
      .max(1000),
  })
  .openapi("SlotsCreate");

const AccountIn = z
  .object({ accountNumber: text(40), customerPhone: Phone, customerName: text(120).nullish(), currency: Currency.optional() })
  .openapi("AccountUpsert");

const InvoiceIn = z
  .object({
    invoiceId: text(40).describe("Your invoice number, as the caller reads it off the bill."),
    accountNumber: text(40),
    amountCents: z.number().int().min(0).max(2_000_000_000).describe("Minor units (cents); at most 20 million in major units."),
    currency: Currency.optional(),
    dueDate: Day,
    status: z.enum(["open", "paid", "void"]).optional(),
  })
  .openapi("InvoiceUpsert");

const Tracking = z.object({ trackingNumber: z.string().min(1).max(64) });

export const routes = {
  upsertCustomer: createRoute({
    method: "post",
    path: "/customers",
    summary: "Create or update a customer by phone number",
    security,
    request: { body: body(CustomerIn) },
    responses: { 200: json(CustomerOut, "The customer"), ...errors },
  }),
  upsertShipment: createRoute({
    method: "post",
    path: "/shipments",
    summary: "Create or update a shipment by tracking number (only the given fields change)",
    security,
    request: { body: body(ShipmentIn) },
    responses: { 200: json(z.object({ trackingNumber: z.string(), created: z.boolean() }), "The shipment"), ...errors },
  }),
  getShipment: createRoute({
    method: "get",
    path: "/shipments/{trackingNumber}",
    summary: "What a caller would hear about a shipment",
    security,
    request: { params: Tracking },
    responses: { 200: json(z.record(z.string(), z.unknown()), "The shipment status as spoken"), ...errors, ...notFound },
  }),
  addShipmentEvent: createRoute({
    method: "post",
    path: "/shipments/{trackingNumber}/events",
    summary: "Record a scan event; the newest event moves the shipment's status",
    security,
    request: { params: Tracking, body: body(ShipmentEventIn) },
    responses: {
      200: json(
        z.object({
          trackingNumber: z.string(),
          recorded: z.boolean().describe("false when this externalId was already recorded (nothing changed)"),
          current: z.boolean().describe("true when the event is now the newest: it moved the shipment and is what callers hear"),
        }),
        "Recorded (or already known)",
      ),
      ...errors,
      ...notFound,
    },
  }),
  upsertService: createRoute({
    method: "post",
    path: "/services",
    summary: "Create or update a bookable service by code",
    security,
    request: { body: body(ServiceIn) },
    responses: {
      200: json(z.object({ id: z.string(), code: z.string(), name: z.string(), durationMinutes: z.number() }), "The service"),
      ...errors,
    },
  }),
  createSlots: createRoute({
    method: "post",
    path: "/slots",
    summary: "Add bookable slots to a service (existing start times are left as they are)",
    security,
    request: { body: body(SlotsIn) },
    responses: {
      200: json(
        z.object({ created: z.array(z.object({ slotId: z.string(), startsAt: z.string() })), existing: z.number() }),
        "Slots created",
      ),
      ...errors,
      ...notFound,
    },
  }),
  upsertAccount: createRoute({
    method: "post",
    path: "/accounts",
    summary: "Create or update an account by number (its customer is created when new)",
    security,
    request: { body: body(AccountIn) },
    responses: { 200: json(z.object({ accountNumber: z.string(), currency: z.string(), created: z.boolean() }), "The account"), ...errors },
  }),
  upsertInvoice: createRoute({
    method: "post",
    path: "/invoices",
    summary: "Create or update an invoice by number",
    security,
    request: { body: body(InvoiceIn) },
    responses: { 200: json(z.object({ invoiceId: z.string(), created: z.boolean() }), "The invoice"), ...errors, ...notFound },
  }),
};
