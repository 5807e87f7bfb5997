/** The REST API's sub-apps share one answer to a request that does not match its route's schema. */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { E164_MESSAGE, E164 as E164_PATTERN } from "../../lib/patterns.ts";
import { jsonError } from "../errors.ts";

/** A phone number in E.164, as the REST API takes and gives them. */
export const E164 = z.string().regex(E164_PATTERN, E164_MESSAGE).openapi({ example: "+12125550123" });

/**
 * An OpenAPIHono app whose validation failures answer 400 `invalid_request`, naming up to 20
 * issues by path (`where` names the part of the request an issue without a path is about).
 */
export function restApp(where: "body" | "query" = "body") {
  return new OpenAPIHono({
    defaultHook: (result, c) => {
      if (result.success) return;
      const issues = result.error.issues.slice(0, 20).map((i) => ({ path: i.path.join(".") || `(${where})`, message: i.message }));
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
}

/** The one error body of the REST API, as the OpenAPI document describes it. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("Error");

/** The error answers every route may give. */
export const errorResponses = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or wrong bearer token", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "The API is disabled (API_TOKEN not set)", content: { "application/json": { schema: ErrorBody } } },
} as const;
export const notFoundResponse = { 404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } } } as const;

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
export const bearerSecurity = [{ bearerAuth: [] }];

const NUL = String.fromCharCode(0);

/** Which part of the request holds a NUL character (the path, a query parameter, the body), if any. */
async function nulIn(c: Parameters<MiddlewareHandler>[0]): Promise<string | undefined> {
  const url = new URL(c.req.url);
  if (/%00/i.test(url.pathname) || url.pathname.includes(NUL)) return "path";
  for (const [name, values] of Object.entries(c.req.queries())) {
    if (name.includes(NUL)) return "query";
    if (values.some((v) => v.includes(NUL))) return name;
  }
  if (c.req.method === "GET" || c.req.method === "HEAD") return undefined;
  const text = await c.req.text();
  return text.includes("\\u0000") || text.includes(NUL) ? "body" : undefined;
}

/**
 * Refuses a NUL character anywhere in a request (path, query, body) with a 400 naming where:
 * Postgres text cannot hold one, so it would otherwise fail the query or the write with a 500.
 * One check for every route of the REST API, before any route reads its input.
 */
export const refuseNulCharacters: MiddlewareHandler = async (c, next) => {
  const where = await nulIn(c);
  if (where === "body") return jsonError(c, "invalid_request", "Text fields must not contain NUL characters (\\u0000).");
  if (where !== undefined) return jsonError(c, "invalid_request", `${where}: must not contain NUL characters (%00).`);
  return next();
};
