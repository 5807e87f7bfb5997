/**
 * REST routes for outbound campaigns, mounted under `/api` behind its bearer token: the
 * do-not-call list `campaign.predial` enforces, and the predial decisions with the reason for
 * every refusal ("why was this contact skipped?").
 */
import { createRoute, z } from "@hono/zod-openapi";
import { RemindersRefused, resolveReminderDate, runReminders } from "../../assistant/reminders.ts";
import { PREDIAL_REFUSALS } from "../../db/schema/index.ts";
import type { AppDeps } from "../../deps.ts";
import { createVapiOutbound, VapiOutboundError } from "../../integrations/vapi-api/outbound.ts";
import { assistantSetup } from "../../server-messages/assistant-request.ts";
import { addToDoNotCall, findDoNotCall, listDoNotCall, removeFromDoNotCall } from "../../services/campaigns/do-not-call.ts";
import { listPredialDecisions } from "../../services/campaigns/predial.ts";
import { serverAuthFor } from "../../vapi/server-target.ts";
import { jsonError } from "../errors.ts";
import { webhookUrl } from "../vapi-routes.ts";
import {
  E164,
  ErrorBody,
  errorResponses as errors,
  jsonResponse as json,
  notFoundResponse as notFound,
  restApp as routeGroup,
  bearerSecurity as security,
} from "./app.ts";

const DoNotCallIn = z
  .object({
    number: E164,
    reason: z.string().trim().min(1).max(200).nullish().describe("Why (for your team; never spoken)."),
  })
  .openapi("DoNotCallUpsert");
const DoNotCallOut = z
  .object({
    number: z.string(),
    source: z.enum(["api", "call"]).describe('"call": the callee asked on a call (the opt_out_of_calls tool).'),
    reason: z.string().nullable(),
    callId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("DoNotCallEntry");
const NumberParam = z.object({
  number: E164.openapi({ param: { name: "number", in: "path", description: "E.164, URL-encoded (`%2B12125550123`)." } }),
});
const DecisionOut = z
  .object({
    campaignId: z.string(),
    contactId: z.string().nullable(),
    number: z.string(),
    eligible: z.boolean(),
    reason: z.enum(PREDIAL_REFUSALS).nullable().describe("Why the contact was skipped; null when it was dialed."),
    timeZones: z.array(z.string()).describe("The callee's possible zones the calling hours were checked in."),
    decidedAt: z.string(),
  })
  .openapi("PredialDecision");

const RemindersIn = z
  .object({
    date: z.string().max(20).optional().describe('"tomorrow" (default), "today" or YYYY-MM-DD, in the business\'s time zone.'),
    print: z.boolean().optional().describe("true: return the requests without sending them to Vapi."),
  })
  .openapi("RemindersRequest");
const RemindersOut = z
  .object({
    date: z.string(),
    appointments: z.number().int().describe("Booked appointments that day whose customer is not on the do-not-call list."),
    requests: z.array(z.object({ method: z.string(), path: z.string(), body: z.record(z.string(), z.unknown()) })),
    created: z.array(z.object({ path: z.string(), id: z.string() })).describe("What Vapi created (empty when printing)."),
  })
  .openapi("RemindersRun");

export const campaignRoutes = {
  reminders: createRoute({
    method: "post",
    path: "/campaigns/reminders",
    summary: "Call the customers with appointments on a day: a Vapi campaign (VAPI_ASSISTANT_ID set) or one outbound call each",
    security,
    request: { body: { required: true, content: { "application/json": { schema: RemindersIn } } } },
    responses: {
      200: json(RemindersOut, "The requests, and what Vapi created"),
      ...errors,
      502: json(ErrorBody, "Vapi refused or did not answer"),
    },
  }),
  listDoNotCall: createRoute({
    method: "get",
    path: "/do-not-call",
    summary: "Every number on the do-not-call list",
    security,
    responses: { 200: json(z.object({ numbers: z.array(DoNotCallOut) }), "The list"), ...errors },
  }),
  addDoNotCall: createRoute({
    method: "post",
    path: "/do-not-call",
    summary: "Add a number: campaign.predial refuses it from now on (created: false when it was listed)",
    security,
    request: { body: { required: true, content: { "application/json": { schema: DoNotCallIn } } } },
    responses: { 200: json(DoNotCallOut.extend({ created: z.boolean() }), "The entry"), ...errors },
  }),
  getDoNotCall: createRoute({
    method: "get",
    path: "/do-not-call/{number}",
    summary: "One do-not-call entry",
    security,
    request: { params: NumberParam },
    responses: { 200: json(DoNotCallOut, "The entry"), ...errors, ...notFound },
  }),
  removeDoNotCall: createRoute({
    method: "delete",
    path: "/do-not-call/{number}",
    summary: "Remove a number (removed: false when it was not listed)",
    security,
    request: { params: NumberParam },
    responses: { 200: json(z.object({ number: z.string(), removed: z.boolean() }), "Done"), ...errors },
  }),
  predialDecisions: createRoute({
    method: "get",
    path: "/campaigns/predial-decisions",
    summary: "The latest campaign.predial decisions, newest first, each refusal with its reason",
    security,
    request: {
      query: z.object({
        campaignId: z.string().min(1).max(200).optional(),
        number: E164.optional(),
        refused: z.enum(["true", "false"]).optional().describe("true: refusals only."),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
    },
    responses: { 200: json(z.object({ decisions: z.array(DecisionOut) }), "The decisions"), ...errors },
  }),
};

/** The routes, for `app.route("/", ...)` inside the REST API (which authenticates them). */
export function campaignsApi(deps: AppDeps) {
  const app = routeGroup();
  app.openapi(campaignRoutes.listDoNotCall, async (c) => c.json({ numbers: await listDoNotCall(deps.db) }, 200));
  app.openapi(campaignRoutes.addDoNotCall, async (c) => {
    const entry = await addToDoNotCall(deps.db, { ...c.req.valid("json"), source: "api" });
    if (entry.created) deps.logger.info("number added to the do-not-call list", { source: "api" });
    return c.json(entry, 200);
  });
  app.openapi(campaignRoutes.getDoNotCall, async (c) => {
    const found = await findDoNotCall(deps.db, c.req.valid("param").number);
    return (found.ok ? c.json(found.value, 200) : jsonError(c, "not_found", found.error.message)) as never;
  });
  app.openapi(campaignRoutes.removeDoNotCall, async (c) => c.json(await removeFromDoNotCall(deps.db, c.req.valid("param").number), 200));
  app.openapi(campaignRoutes.predialDecisions, async (c) => {
    const q = c.req.valid("query");
    const decisions = await listPredialDecisions(deps.db, { ...q, refusedOnly: q.refused === "true" });
    return c.json({ decisions }, 200);
  });
  app.openapi(campaignRoutes.reminders, async (c) => {
    const { date, print } = c.req.valid("json");
    const { config } = deps;
    try {
      resolveReminderDate(date, deps.clock.now(), config.BUSINESS_TIMEZONE);
    } catch (err) {
      return jsonError(c, "invalid_request", (err as Error).message) as never;
    }
    if (!config.VAPI_PHONE_NUMBER_ID)
      return jsonError(c, "misconfigured", "Set VAPI_PHONE_NUMBER_ID: the number reminder calls come from.") as never;
    const send = print
      ? undefined
      : (deps.vapiApi ??
        (config.VAPI_API_KEY ? createVapiOutbound({ baseUrl: config.VAPI_API_URL, apiKey: config.VAPI_API_KEY }) : undefined));
    if (!print && !send) return jsonError(c, "misconfigured", "Set VAPI_API_KEY to create calls in Vapi (or send print: true).") as never;
    const settings = {
      config: assistantSetup(deps).config,
      preset: "scheduling" as const,
      tools: deps.registry.list(),
      target: { url: webhookUrl(config.PUBLIC_URL, c.req.raw), auth: serverAuthFor(config, deps.auth.secret) },
      businessName: config.BUSINESS_NAME,
      timeZone: config.BUSINESS_TIMEZONE,
      defaultBudgetMs: config.TOOL_BUDGET_MS,
    };
    try {
      const run = await runReminders({
        db: deps.db,
        settings,
        date,
        phoneNumberId: config.VAPI_PHONE_NUMBER_ID,
        assistantId: config.VAPI_ASSISTANT_ID,
        now: deps.clock.now(),
        send,
      });
      deps.logger.info("reminders run", { date: run.date, appointments: run.appointments, created: run.created.length, printed: !send });
      return c.json(run, 200);
    } catch (err) {
      if (err instanceof RemindersRefused) return jsonError(c, "misconfigured", err.message) as never;
      if (!(err instanceof VapiOutboundError)) throw err;
      deps.logger.warn("reminders: Vapi refused a request", { err });
      return jsonError(c, "upstream_failed", err.message) as never;
    }
  });
  return app;
}
