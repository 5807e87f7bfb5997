/** The REST API's sub-apps share one answer to a request that does not match its route's schema. */
import { OpenAPIHono } from "@hono/zod-openapi";

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
