/**
 * REST routes for outbound campaigns, mounted under `/api` behind its bearer token: the
 * do-not-call list `campaign.predial` enforces, and the predial decisions with the reason for
 * every refusal ("why was this contact skipped?").
 */
import { createRoute, z } from "@hono/zod-openapi";
import { PREDIAL_REFUSALS } from "../../db/schema/index.ts";
import type { AppDeps } from "../../deps.ts";
import { addToDoNotCall, findDoNotCall, listDoNotCall, removeFromDoNotCall } from "../../services/campaigns/do-not-call.ts";
import { listPredialDecisions } from "../../services/campaigns/predial.ts";
import { jsonError } from "../errors.ts";
import { E164, errors, json, notFound, routeGroup, security } from "./route-kit.ts";

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

export const campaignRoutes = {
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
  return app;
}
