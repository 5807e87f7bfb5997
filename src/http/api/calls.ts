/**
 * `GET /api/calls`: ended calls, newest first, filtered by what Vapi extracted from them (the
 * structured outputs of `assistant.config.ts`), e.g. every call needing a follow-up:
 * `GET /api/calls?output.followUpNeeded=true`. Mounted under `/api` behind its bearer token.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { outputFilter } from "../../assistant/structured-outputs.ts";
import { type AppDeps, serviceContext } from "../../deps.ts";
import { assistantSetup } from "../../server-messages/assistant-request.ts";
import { listCalls, pageCursor } from "../../services/calls/list.ts";
import { jsonError } from "../errors.ts";

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
const errors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or wrong bearer token", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "The API is disabled (API_TOKEN not set)", content: { "application/json": { schema: ErrorBody } } },
} as const;

const ListedCall = z
  .object({
    callId: z.string(),
    callerNumber: z.string().nullable(),
    phoneNumberId: z.string().nullable(),
    status: z.string(),
    startedAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endedReason: z.string().nullable(),
    durationSeconds: z.number().nullable(),
    cost: z.number().nullable(),
    summary: z.string().nullable().describe("Redacted."),
    structuredOutputs: z
      .record(z.string(), z.unknown())
      .nullable()
      .describe("What Vapi extracted from the call, by the output's key in assistant.config.ts; redacted."),
  })
  .openapi("ListedCall");

export const callsRoutes = {
  listCalls: createRoute({
    method: "get",
    path: "/calls",
    summary: "Ended calls, newest first; `output.<key>=<value>` keeps those whose structured output has that value",
    description:
      "Any number of `output.<key>=<value>` parameters (`output.<key>.<field>=<value>` inside an object output), all of which must hold. " +
      "Values are read by the output's type: true/false, a number, one of an enum's values; for an array output, a value it includes.",
    security: [{ bearerAuth: [] }],
    request: {
      query: z.object({
        limit: z.coerce.number().int().min(1).max(200).default(50).describe("Calls per page."),
        after: z.string().min(1).max(400).optional().describe("The previous page's `next`: the page after it."),
      }),
    },
    responses: {
      200: {
        description: "The calls",
        content: {
          "application/json": {
            schema: z.object({
              calls: z.array(ListedCall),
              next: z.string().optional().describe("Pass as `after` for the next page; absent on the last page."),
            }),
          },
        },
      },
      ...errors,
    },
  }),
};

/** The routes, for `app.route("/", ...)` inside the REST API (which authenticates them). */
export function callsApi(deps: AppDeps) {
  const app = new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join(".") || "(query)", message: i.message }));
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
  app.openapi(callsRoutes.listCalls, async (c) => {
    const { limit, after } = c.req.valid("query");
    const filter = outputFilter(assistantSetup(deps).config, c.req.queries());
    if (!filter.ok) return jsonError(c, "invalid_request", `Invalid request: ${filter.message}`) as never;
    const cursor = after === undefined ? undefined : pageCursor.decode(after);
    if (after !== undefined && !cursor) return jsonError(c, "invalid_request", "Invalid request: after: not a page cursor") as never;
    const page = await listCalls(serviceContext(deps), { outputs: filter.value, after: cursor, limit });
    return c.json({ calls: page.calls, ...(page.next ? { next: pageCursor.encode(page.next) } : {}) }, 200);
  });
  return app;
}
