/**
 * REST routes for call screening and squads, mounted under `/api` behind its bearer token: the
 * blocklist (numbers rejected at assistant-request before any AI answers) and which squad members
 * served a call. Writes invalidate the blocklist snapshot screening reads, once they commit.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type AppDeps, serviceContext } from "../../deps.ts";
import { membersOfCall } from "../../services/call-members.ts";
import { inTransaction, type Result } from "../../services/context.ts";
import { blockNumber, findBlockedNumber, listBlockedNumbers, unblockNumber } from "../../services/screening/blocklist.ts";
import { jsonError } from "../errors.ts";
import {
  E164,
  errorResponses as errors,
  jsonResponse as json,
  notFoundResponse as notFound,
  restApp,
  bearerSecurity as security,
} from "./app.ts";

const BlockIn = z
  .object({
    number: E164,
    reason: z.string().trim().min(1).max(200).nullish().describe("Why (for your team; never spoken to the caller)."),
    expiresAt: z.iso
      .datetime({ offset: true })
      .nullish()
      .describe("When the block lapses; omitted or null: until removed.")
      .openapi({ example: "2026-04-01T00:00:00Z" }),
  })
  .openapi("BlocklistEntryUpsert");
const BlockedOut = z
  .object({
    number: z.string(),
    reason: z.string().nullable(),
    expiresAt: z.string().nullable(),
    active: z.boolean().describe("False once expiresAt has passed: the entry stays listed but no longer blocks."),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("BlocklistEntry");
const NumberParam = z.object({
  number: E164.openapi({ param: { name: "number", in: "path", description: "E.164, URL-encoded (`%2B15551234567`)." } }),
});
const MemberOut = z
  .object({
    squad: z.string(),
    member: z.string(),
    via: z.enum(["entry", "handoff"]),
    fromMember: z.string().nullable(),
    reason: z.string().nullable(),
    joinedAt: z.string(),
  })
  .openapi("CallMember");

export const callRoutingRoutes = {
  listBlocked: createRoute({
    method: "get",
    path: "/blocklist",
    summary: "Every number on the blocklist, lapsed entries included",
    security,
    responses: { 200: json(z.object({ numbers: z.array(BlockedOut) }), "The blocklist"), ...errors },
  }),
  block: createRoute({
    method: "post",
    path: "/blocklist",
    summary: "Block a number (or change its reason or expiry): its calls are rejected at assistant-request",
    security,
    request: { body: { required: true, content: { "application/json": { schema: BlockIn } } } },
    responses: { 200: json(BlockedOut.extend({ created: z.boolean() }), "The entry"), ...errors },
  }),
  getBlocked: createRoute({
    method: "get",
    path: "/blocklist/{number}",
    summary: "One blocklist entry",
    security,
    request: { params: NumberParam },
    responses: { 200: json(BlockedOut, "The entry"), ...errors, ...notFound },
  }),
  unblock: createRoute({
    method: "delete",
    path: "/blocklist/{number}",
    summary: "Unblock a number (removed: false when it was not on the list)",
    security,
    request: { params: NumberParam },
    responses: { 200: json(z.object({ number: z.string(), removed: z.boolean() }), "Done"), ...errors },
  }),
  callMembers: createRoute({
    method: "get",
    path: "/calls/{callId}/members",
    summary: "Which squad members served a call, in the order they joined (empty for calls without a squad)",
    security,
    request: { params: z.object({ callId: z.string().min(1).max(200) }) },
    responses: { 200: json(z.object({ callId: z.string(), members: z.array(MemberOut) }), "The members"), ...errors },
  }),
};

/** The routes, for `app.route("/", ...)` inside the REST API (which authenticates them). */
export function callRoutingApi(deps: AppDeps) {
  const app = restApp();
  const base = () => serviceContext(deps);
  const reply = <T>(c: Context, result: Result<T>) =>
    result.ok ? c.json(result.value as object, 200) : jsonError(c, result.error.kind, result.error.message);

  app.openapi(callRoutingRoutes.listBlocked, async (c) => c.json({ numbers: await listBlockedNumbers(base()) }, 200));
  app.openapi(callRoutingRoutes.block, async (c) => {
    const result = await inTransaction(base(), (ctx) => blockNumber(ctx, c.req.valid("json")));
    if (result.ok) deps.logger.info("number blocked", { created: result.value.created, expires: result.value.expiresAt !== null });
    return reply(c, result) as never;
  });
  app.openapi(callRoutingRoutes.getBlocked, async (c) => reply(c, await findBlockedNumber(base(), c.req.valid("param").number)) as never);
  app.openapi(callRoutingRoutes.unblock, async (c) => {
    const result = await inTransaction(base(), (ctx) => unblockNumber(ctx, c.req.valid("param").number));
    if (result.ok && result.value.removed) deps.logger.info("number unblocked");
    return reply(c, result) as never;
  });
  app.openapi(callRoutingRoutes.callMembers, async (c) => {
    const { callId } = c.req.valid("param");
    return c.json({ callId, members: await membersOfCall(deps.db, callId) }, 200);
  });
  return app;
}
