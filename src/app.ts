/** Builds the HTTP app from its dependencies. Entry files (server.ts, worker.ts) and tests call this. */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { transferAvailability } from "./assistant/handoff.ts";
import type { AppDeps } from "./deps.ts";
import { apiRoutes } from "./http/api/routes.ts";
import { jsonError } from "./http/errors.ts";
import { paymentRoutes } from "./http/payment-pages.ts";
import { vapiRoutes } from "./http/vapi-routes.ts";
import { assistantSetup } from "./server-messages/assistant-request.ts";
import { verifyVapiRequest } from "./vapi/auth.ts";

export function createApp(deps: AppDeps) {
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    const [database, cache] = await Promise.all([probe(() => deps.db.execute(sql`select 1`)), probe(() => deps.cache.ping())]);
    const ready = database && cache;
    return c.json(
      {
        status: ready ? "ready" : "unavailable",
        database: { backend: deps.databaseKind, ok: database },
        cache: { backend: deps.cache.kind, ok: cache },
        // Optional, so never a reason for 503; said plainly so "nobody answers transfers" is not a surprise.
        transfers: transfersDetail(deps),
      },
      ready ? 200 : 503,
    );
  });

  app.route("/vapi", vapiRoutes(deps));
  app.route("/api", apiRoutes(deps));
  app.route("/", paymentRoutes(deps));

  // Prometheus scrape endpoint, protected by the same credentials as /vapi (use a bearer token).
  app.get("/metrics", async (c) => {
    const render = deps.metrics.render;
    const auth = await verifyVapiRequest(deps.auth, {
      header: (n) => c.req.header(n),
      body: new Uint8Array(),
      nowMs: deps.clock.now().getTime(),
    });
    if (!auth.ok) return jsonError(c, "unauthorized", "Missing or invalid credentials.");
    if (!render) return jsonError(c, "not_found", "Metrics are not exported by this runtime.");
    const { contentType, body } = await render();
    return c.body(body, 200, { "content-type": contentType });
  });

  app.notFound((c) => jsonError(c, "not_found", `No route for ${c.req.method} ${c.req.path}.`));
  app.onError((err, c) => {
    deps.logger.error("unhandled error", { path: c.req.path, err });
    return jsonError(c, "internal", "Internal error.");
  });
  return app;
}

/** Whether calls can be transferred to a person, without the numbers (/readyz is public). */
function transfersDetail(deps: AppDeps) {
  const t = transferAvailability({ handoff: assistantSetup(deps).config.handoff, fallbackDestination: deps.config.TRANSFER_NUMBER });
  if (!t.configured) {
    return { configured: false, detail: "Transfers are not configured: set TRANSFER_NUMBER or a handoff rule destination." };
  }
  return {
    configured: true,
    fallback: t.fallback,
    departments: Object.fromEntries(t.departments.map((d) => [d.department, d.destination !== undefined])),
  };
}

async function probe(check: () => Promise<unknown>, timeoutMs = 1000): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([check(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), timeoutMs)))]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
