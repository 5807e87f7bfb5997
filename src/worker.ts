/**
 * Cloudflare Workers entry (`wrangler.toml` points here). The tools come from the index that
 * `npm run tools:index` generates from `tools/` before every build: there is no file system to
 * discover them from at run time. Everything else is in `src/runtime/create-worker.ts`. `Env` is
 * generated from wrangler.toml (`npm run types:worker`, worker-configuration.d.ts): a binding
 * renamed there fails the typecheck here.
 */
import { bundledTools } from "./generated/tools.ts";
import { createBusinessServices } from "./runtime/business-services.ts";
import { createWorker } from "./runtime/create-worker.ts";

const worker = createWorker({
  tools: bundledTools,
  // Payment and SMS services hold the request's database client: built per request.
  services: (scope) => createBusinessServices(scope.config, { db: scope.db, logger: scope.logger }),
});

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => worker.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
