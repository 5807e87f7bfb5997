/**
 * What every group of REST routes under `/api` shares: the error body, the standard error
 * responses, the JSON response helper and the 400 answer for a request that fails its schema.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { E164_MESSAGE, E164 as E164_PATTERN } from "../../lib/patterns.ts";

export const E164 = z.string().regex(E164_PATTERN, E164_MESSAGE).openapi({ example: "+12125550123" });

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export const errors = {
  400: { description: "Invalid request", content: { "application/json": { schema: ErrorBody } } },
  401: { description: "Missing or wrong bearer token", content: { "application/json": { schema: ErrorBody } } },
  503: { description: "The API is disabled (API_TOKEN not set)", content: { "application/json": { schema: ErrorBody } } },
} as const;
export const notFound = { 404: { description: "Not found", content: { "application/json": { schema: ErrorBody } } } } as const;
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });
export const security = [{ bearerAuth: [] }];

/** A route group answering a request that fails its schema with `invalid_request` and every issue. */
export function routeGroup() {
  return new OpenAPIHono({
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
}
