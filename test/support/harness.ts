/**
 * Builds the real app for a test file against the run's real Postgres and (when configured)
 * Redis, with logs captured so tests can assert on them. One database pool per file, shared by
 * every app the file creates (the embedded database serves a single connection).
 */
import { randomBytes } from "node:crypto";
import { appendFileSync } from "node:fs";
import { afterAll, inject } from "vitest";
import { createApp } from "../../src/app.ts";
import type { CallerProfileContributor } from "../../src/assistant/caller-profile.ts";
import type { AssistantConfig } from "../../src/assistant/define.ts";
import type { Cache } from "../../src/cache/cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { type Env, parseConfig, serverSecrets } from "../../src/config.ts";
import { createDatabase, type Database, type DatabaseHandle } from "../../src/db/client.ts";
import type { AppDeps } from "../../src/deps.ts";
import { createBodyBudgets } from "../../src/lib/byte-budget.ts";
import { type Clock, systemClock } from "../../src/lib/clock.ts";
import { createBackgroundTasks } from "../../src/lib/defer.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { createBusinessServices, type ProviderOverrides } from "../../src/runtime/business-services.ts";
import { openCallRecordSpool, type SpoolOptions } from "../../src/services/calls/spool.ts";
import { createPrometheusMetrics } from "../../src/telemetry/prometheus.ts";
import type { BusinessServices } from "../../src/tools/define-tool.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";
import { authSettings } from "../../src/vapi/auth.ts";
import { TEST_PAYMENT_LINK_SECRET, TEST_SECRET } from "./secrets.ts";

export { TEST_PAYMENT_LINK_SECRET, TEST_SECRET } from "./secrets.ts";

const runLog = `${inject("logDir")}/${process.pid}-${randomBytes(4).toString("hex")}.log`;

let shared: DatabaseHandle | undefined;

/** The run's database, opened once per test file and closed after it. */
export function testDatabase(): DatabaseHandle {
  if (!shared) {
    const handle = createDatabase(inject("databaseUrl"), { max: inject("databaseKind") === "embedded" ? 1 : 8 });
    shared = handle;
    afterAll(async () => {
      shared = undefined;
      await handle.close();
    });
  }
  return shared;
}

/**
 * A cache for one test: Redis under a fresh key prefix when the run has Redis, else in-process.
 * Resolves once Redis is connected (the client does not queue commands while connecting).
 */
export async function testCache(kind: "auto" | "memory" = "auto"): Promise<Cache> {
  const url = inject("redisUrl");
  if (kind === "memory" || !url) return createMemoryCache();
  const cache = createRedisCache({ url, keyPrefix: `${inject("redisPrefix")}${randomBytes(4).toString("hex")}:`, commandTimeoutMs: 1000 });
  afterAll(() => cache.close());
  await waitForRedis(cache.client);
  return cache;
}

export interface TestAppOptions {
  env?: Env;
  toolsDir?: string;
  clock?: Clock;
  services?: BusinessServices;
  /** Stand-ins for third-party SaaS (Stripe, Twilio); everything else stays real. */
  providers?: ProviderOverrides;
  cache?: Cache;
  assistant?: AssistantConfig;
  profileContributors?: readonly CallerProfileContributor[];
  /** Another database than the run's (fault tests point the app at a private Postgres). */
  db?: Database;
  /** Opens Node's call-record spool in this directory (by default none: a record not committed is then refused, as on Workers). */
  spool?: Omit<SpoolOptions, "context">;
}

export type TestApp = Awaited<ReturnType<typeof createTestApp>>;

export async function createTestApp(options: TestAppOptions = {}) {
  const config = parseConfig({
    VAPI_SECRET: TEST_SECRET,
    PAYMENT_LINK_SECRET: TEST_PAYMENT_LINK_SECRET,
    LOG_LEVEL: "debug",
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createLogger({
    level: config.LOG_LEVEL,
    sink: (line) => {
      logs.push(line);
      appendFileSync(runLog, `${line}\n`);
    },
    secrets: serverSecrets(config, [TEST_SECRET]),
  });
  const db = options.db ?? testDatabase().db;
  const services = options.services ?? (await createBusinessServices(config, { db, logger }, options.providers));
  const deps: AppDeps = {
    config,
    db,
    databaseKind: options.db ? "postgres" : inject("databaseKind"),
    cache: options.cache ?? (await testCache()),
    registry: createRegistry(await discoverTools(options.toolsDir)),
    logger,
    metrics: createPrometheusMetrics({ defaultMetrics: false }),
    clock: options.clock ?? systemClock,
    auth: authSettings(config, config.VAPI_SECRET ?? TEST_SECRET),
    services,
    ...(options.assistant ? { assistant: options.assistant } : {}),
    ...(options.profileContributors ? { profileContributors: options.profileContributors } : {}),
    defer: createBackgroundTasks(logger).defer,
    // As start:prod sizes it from its heap limit (208 MB): 35%.
    bodyBudgets: createBodyBudgets(config.BODY_MEMORY_BUDGET_BYTES || 72 * 1024 * 1024, config.MAX_BODY_BYTES),
  };
  if (options.spool) {
    const { db, cache, clock, defer } = deps;
    deps.callRecordSpool = await openCallRecordSpool({
      ...options.spool,
      context: { db, cache, logger, clock, defer, retentionDays: config.TRANSCRIPT_RETENTION_DAYS },
    });
  }
  const app = createApp(deps);

  /** POSTs a Vapi message with the shared secret (or the given headers) and returns status and JSON. */
  async function webhook(body: unknown, headers: Record<string, string> = { "x-vapi-secret": TEST_SECRET }) {
    const res = await app.request("/vapi/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { results?: ToolAnswer[] } };
  }

  return { app, deps, logs, webhook };
}

export type ToolAnswer = {
  toolCallId: string;
  name: string;
  result?: string;
  error?: string;
  /** Vapi's per-result message: exact words, or with role system a hint to the model. */
  message?: { type: string; content?: string; role?: string };
};
