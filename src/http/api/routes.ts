/**
 * The REST API for the business's own systems (`/api/...`): customers, shipments and their scan
 * events, services and slots, accounts and invoices. Bearer token (API_TOKEN, never the Vapi
 * secret), zod-validated, described by the OpenAPI document at `/api/openapi.json`. Fails closed:
 * without API_TOKEN every route answers 503. Writes go through the same services as the tools and
 * invalidate the cache after they commit.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { type AppDeps, serviceContext } from "../../deps.ts";
import { timingSafeEqualStrings } from "../../lib/timing-safe.ts";
import { createSlots, upsertService } from "../../services/appointments/catalogue.ts";
import { upsertAccount, upsertInvoice } from "../../services/billing/accounts.ts";
import { inTransaction, type Result, type ServiceContext } from "../../services/context.ts";
import { upsertCustomer } from "../../services/customers.ts";
import { getShipmentStatus } from "../../services/shipments/status.ts";
import { addShipmentEvent, upsertShipment } from "../../services/shipments/updates.ts";
import { jsonError } from "../errors.ts";
import { refuseNulCharacters, restApp } from "./app.ts";
import { callRoutingApi } from "./call-routing.ts";
import { callsApi } from "./calls.ts";
import { campaignsApi } from "./campaigns.ts";
import { knowledgeBaseApi } from "./knowledge-base.ts";
import { latencyApi } from "./latency.ts";
import { routes } from "./schemas.ts";

/** Routes under `/api`. */
export function apiRoutes(deps: AppDeps) {
  const app = restApp();
  app.onError((err, c) => {
    // Malformed JSON and similar request errors are the client's: say so, as a 4xx.
    if (err instanceof HTTPException && err.status < 500)
      return jsonError(c, err.status === 413 ? "payload_too_large" : "invalid_request", err.message);
    deps.logger.error("api request failed", { path: c.req.path, err });
    return jsonError(c, "internal", "Internal error.");
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });

  // The document describes the API and holds nothing secret: it is readable without the token.
  // Registered before the token check, it answers its one exact path before the check runs; the
  // check itself makes no exception by path (a suffix test once let `/api/shipments/openapi.json`
  // through to the shipment route).
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: { title: `${deps.config.BUSINESS_NAME} – Switchboard API`, version: "1", description: "Data the voice agent speaks from." },
    servers: [{ url: "/api" }],
  });

  app.use("*", async (c, next) => {
    const token = deps.config.API_TOKEN;
    if (!token) return jsonError(c, "api_disabled", "The REST API is disabled: set API_TOKEN to enable it.");
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match || !timingSafeEqualStrings(match[1]!, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="switchboard-api"');
      return jsonError(c, "unauthorized", "Missing or invalid bearer token.");
    }
    return next();
  });
  app.use(
    "*",
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => jsonError(c, "payload_too_large", "Request bodies are limited to 1 MB.") }),
  );
  app.use("*", refuseNulCharacters);

  const base = () => serviceContext(deps);
  const write = <T>(fn: (ctx: ServiceContext) => Promise<T>) => inTransaction(base(), fn);
  // Success and error bodies are checked by the route schemas above and by the tests; the casts
  // below only bridge a service Result to the per-status response types OpenAPIHono infers.
  const reply = <T>(c: Context, result: Result<T>) =>
    result.ok ? c.json(result.value as object, 200) : jsonError(c, result.error.kind, result.error.message);

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
  app.route("/", callRoutingApi(deps)); // the blocklist and squad members (src/http/api/call-routing.ts)
  app.route("/", campaignsApi(deps)); // the do-not-call list, predial decisions, reminders (src/http/api/campaigns.ts)
  app.route("/", knowledgeBaseApi(deps)); // documents and search (src/http/api/knowledge-base.ts)
  app.route("/", callsApi(deps)); // ended calls by their structured outputs (src/http/api/calls.ts)
  app.route("/", latencyApi(deps)); // the latency report (src/http/api/latency.ts)

  return app;
}
