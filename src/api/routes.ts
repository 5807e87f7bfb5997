/**
 * The REST API for the business's own systems (`/api/...`): customers, shipments and their scan
 * events, services and slots, accounts and invoices. Bearer token (API_TOKEN, never the Vapi
 * secret), zod-validated, described by the OpenAPI document at `/api/openapi.json`. Fails closed:
 * without API_TOKEN every route answers 503. Writes go through the same services as the tools and
 * invalidate the cache after they commit.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { SHIPMENT_STATUSES } from "../db/schema/index.ts";
import type { AppDeps } from "../deps.ts";
import { jsonError } from "../http/errors.ts";
import { createSlots, upsertService } from "../services/appointments.ts";
import { inTransaction, type Result, type ServiceContext, type ServiceError } from "../services/context.ts";
import { upsertCustomer } from "../services/customers.ts";
import { upsertAccount, upsertInvoice } from "../services/payments.ts";
import { addShipmentEvent, getShipmentStatus, upsertShipment } from "../services/shipments.ts";
import { timingSafeEqualStrings } from "../vapi/auth.ts";

const STATUS_OF: Record<ServiceError["kind"], ContentfulStatusCode> = { not_found: 404, conflict: 409, invalid: 400, unavailable: 503 };

const E164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +15551234567")
  .openapi({ example: "+15551234567" });
const Instant = z.iso.datetime({ offset: true }).openapi({ example: "2026-03-03T14:30:00-05:00" });
const Day = z.iso.date().openapi({ example: "2026-03-31" });
const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD")
  .openapi({ example: "USD" });
const text = (max: number) => z.string().trim().min(1).max(max);

const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

const errors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or wrong bearer token", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "The API is disabled (API_TOKEN not set)", content: { "application/json": { schema: ErrorBody } } },
} as const;
const notFound = { 404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } } } as const;

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const security = [{ bearerAuth: [] }];

const CustomerIn = z.object({ phone: E164, name: text(120).nullish(), email: z.email().nullish() }).openapi("CustomerUpsert");
const CustomerOut = z.object({ id: z.string(), phone: z.string(), name: z.string().nullable(), created: z.boolean() }).openapi("Customer");

const ShipmentIn = z
  .object({
    trackingNumber: text(64),
    customerPhone: E164.nullish(),
    status: z.enum(SHIPMENT_STATUSES).optional(),
    carrier: text(60).nullish(),
    origin: text(120).nullish(),
    destination: text(120).nullish(),
    currentLocation: text(120).nullish().describe("City-level location, spoken to anyone with the tracking number."),
    estimatedDelivery: Instant.nullish(),
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
    estimatedDelivery: Instant.nullish(),
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
  .object({ accountNumber: text(40), customerPhone: E164, customerName: text(120).nullish(), currency: Currency.optional() })
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

const routes = {
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
      200: json(z.object({ trackingNumber: z.string(), recorded: z.boolean(), current: z.boolean() }), "Recorded (or already known)"),
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

/** Routes under `/api`. */
export function apiRoutes(deps: AppDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join(".") || "(body)", message: i.message }));
      return c.json(
        {
          error: {
            code: "invalid_request",
            message: `Invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
            issues,
          },
        },
        400,
      );
    },
  });
  app.onError((err, c) => {
    // Malformed JSON and similar request errors are the client's: say so, as a 4xx.
    if (err instanceof HTTPException && err.status < 500) return jsonError(c, err.status, "invalid_request", err.message);
    deps.logger.error("api request failed", { path: c.req.path, err });
    return jsonError(c, 500, "internal", "Internal error.");
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });

  // The document describes the API and holds nothing secret: it is readable without the token.
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: `${deps.config.BUSINESS_NAME} – Switchboard API`, version: "1", description: "Data the voice agent speaks from." },
    servers: [{ url: "/api" }],
  });

  app.use("*", async (c, next) => {
    if (c.req.path.endsWith("/openapi.json")) return next();
    const token = deps.config.API_TOKEN;
    if (!token) return jsonError(c, 503, "api_disabled", "The REST API is disabled: set API_TOKEN to enable it.");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !timingSafeEqualStrings(match[1]!, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="switchboard-api"');
      return jsonError(c, 401, "unauthorized", "Missing or invalid bearer token.");
    }
    return next();
  });
  app.use(
    "*",
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => jsonError(c, 413, "payload_too_large", "Request bodies are limited to 1 MB.") }),
  );
  // Postgres text cannot hold NUL characters: refuse them as the client's error instead of
  // failing the write with a 500.
  app.use("*", async (c, next) => {
    const text = c.req.method === "GET" ? "" : await c.req.text();
    if (text.includes("\\u0000") || text.includes(String.fromCharCode(0))) {
      return jsonError(c, 400, "invalid_request", "Text fields must not contain NUL characters (\\u0000).");
    }
    return next();
  });

  const base = () => ({ db: deps.db, cache: deps.cache, clock: deps.clock, logger: deps.logger, timeZone: deps.config.BUSINESS_TIMEZONE });
  const write = <T>(fn: (ctx: ServiceContext) => Promise<T>) => inTransaction(base(), fn);
  // Success and error bodies are checked by the route schemas above and by the tests; the casts
  // below only bridge a service Result to the per-status response types OpenAPIHono infers.
  const reply = <T>(c: Context, result: Result<T>) =>
    result.ok ? c.json(result.value as object, 200) : jsonError(c, STATUS_OF[result.error.kind], result.error.kind, result.error.message);

  app.openapi(routes.upsertCustomer, async (c) => reply(c, await write((ctx) => upsertCustomer(ctx, c.req.valid("json")))) as never);
  app.openapi(routes.upsertShipment, async (c) => reply(c, await write((ctx) => upsertShipment(ctx, c.req.valid("json")))) as never);
  app.openapi(routes.getShipment, async (c) => {
    const ctx = { ...base(), afterCommit: () => {} };
    return reply(c, await getShipmentStatus(ctx, c.req.valid("param").trackingNumber)) as never;
  });
  app.openapi(
    routes.addShipmentEvent,
    async (c) => reply(c, await write((ctx) => addShipmentEvent(ctx, c.req.valid("param").trackingNumber, c.req.valid("json")))) as never,
  );
  app.openapi(routes.upsertService, async (c) => c.json(await write((ctx) => upsertService(ctx, c.req.valid("json"))), 200));
  app.openapi(routes.createSlots, async (c) => reply(c, await write((ctx) => createSlots(ctx, c.req.valid("json")))) as never);
  app.openapi(routes.upsertAccount, async (c) => c.json(await write((ctx) => upsertAccount(ctx, c.req.valid("json"))), 200));
  app.openapi(routes.upsertInvoice, async (c) => reply(c, await write((ctx) => upsertInvoice(ctx, c.req.valid("json")))) as never);

  return app;
}
