/**
 * Pre-warming: opens the database pool's connections, reaches the cache, and runs each tool's
 * `warm` hook on every connection (postgres.js prepares statements per connection), so the
 * first call of the day is as fast as the thousandth.
 */
import { sql } from "drizzle-orm";
import { type AppDeps, serviceContext } from "../deps.ts";

export async function warmUp(deps: AppDeps, connections: number): Promise<{ ms: number; failures: number }> {
  const started = performance.now();
  let failures = 0;
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      failures++;
      deps.logger.warn("warm-up step failed", { step: what, err });
    }
  };
  await Promise.all([
    ...Array.from({ length: connections }, () => attempt("database", () => deps.db.execute(sql`select 1`))),
    attempt("cache", () => deps.cache.ping()),
  ]);
  const ctx = { ...serviceContext(deps), services: deps.services };
  for (const tool of deps.registry.list()) {
    const warm = tool.warm;
    if (warm) await Promise.all(Array.from({ length: connections }, () => attempt(`tool ${tool.name}`, () => warm(ctx))));
  }
  return { ms: Math.round(performance.now() - started), failures };
}
