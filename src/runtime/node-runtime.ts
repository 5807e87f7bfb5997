/**
 * Builds the app's dependencies for Node: external Postgres and Redis when configured, else the
 * embedded defaults (PGlite under DATA_DIR, an in-process cache). Node only.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import type { Cache } from "../cache/cache.ts";
import { MIRRORED_PREFIXES } from "../cache/keys.ts";
import { createMemoryCache } from "../cache/memory-cache.ts";
import { createMirroredCache } from "../cache/mirrored-cache.ts";
import { createRedisCache, waitForRedis } from "../cache/redis-cache.ts";
import type { Config } from "../config.ts";
import { createDatabase, type DatabaseHandle } from "../db/client.ts";
import { startEmbeddedPostgres } from "../db/embedded.ts";
import { runMigrations } from "../db/migrate.ts";
import type { AppDeps } from "../deps.ts";
import { bodyBudgetBytes, createBodyBudgets } from "../http/body.ts";
import { systemClock } from "../lib/clock.ts";
import { createBackgroundTasks } from "../lib/defer.ts";
import { createLogger, type Logger } from "../lib/logger.ts";
import { openCallRecordSpool } from "../services/calls/spool.ts";
import type { CallRecordSpool } from "../services/calls/store.ts";
import { type DEMO, seedDemoData } from "../services/demo-seed.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import { createPrometheusMetrics } from "../telemetry/prometheus.ts";
import { discoverTools } from "../tools/discover.ts";
import { createRegistry, type LoadedTool } from "../tools/registry.ts";
import { authSettings } from "../vapi/auth.ts";
import { createBusinessServices } from "./business-services.ts";

// Kept importable from here, where it used to live.
export { authSettings };

export interface NodeRuntime {
  deps: AppDeps;
  /** True when the secret was generated (and saved under DATA_DIR) rather than configured. */
  generatedSecret: boolean;
  /** What to try, when the demo data set was seeded (DEMO_DATA, by default on the embedded database only). */
  demo: typeof DEMO | undefined;
  close(): Promise<void>;
}

export interface NodeRuntimeOptions {
  toolsDir?: string;
  /** The tools to serve; when absent they are discovered from `toolsDir` (default `tools/`). */
  tools?: readonly LoadedTool[];
  logger?: Logger;
  /** Run migrations on an external database too (the embedded one is always migrated). */
  migrate?: boolean;
  metrics?: Metrics;
}

export async function createNodeRuntime(config: Config, options: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const fn of closers.reverse()) await fn().catch(() => {});
  };
  try {
    const { secret, generated } = await resolveSecret(config);
    const logger = options.logger ?? createLogger({ level: config.LOG_LEVEL, secrets: [secret, config.VAPI_HMAC_SECRET ?? ""] });
    const registry = createRegistry(options.tools ?? (await discoverTools(options.toolsDir)));

    let database: DatabaseHandle;
    let databaseKind: AppDeps["databaseKind"];
    if (config.DATABASE_URL) {
      database = createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
      databaseKind = "postgres";
      closers.push(database.close);
      if (options.migrate) await runMigrations(database.db);
    } else {
      const embedded = await startEmbeddedPostgres(join(config.DATA_DIR, "pg"));
      closers.push(embedded.stop);
      database = createDatabase(embedded.url, { max: 1 });
      databaseKind = "embedded";
      closers.push(database.close);
      await runMigrations(database.db);
    }

    let cache: Cache;
    if (config.REDIS_URL) {
      const redis = createRedisCache({
        url: config.REDIS_URL,
        keyPrefix: config.REDIS_KEY_PREFIX,
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      });
      // Redis is an accelerator: start without it (calls fall through to Postgres) rather than not at all.
      // Hot lookups answered from a local mirror that Redis keeps coherent (0 turns it off).
      const mirrored =
        config.CACHE_MIRROR_MAX_ENTRIES > 0
          ? createMirroredCache(redis, {
              prefixes: MIRRORED_PREFIXES,
              keyPrefix: config.REDIS_KEY_PREFIX,
              maxEntries: config.CACHE_MIRROR_MAX_ENTRIES,
              logger,
            })
          : undefined;
      await waitForRedis(redis.client, 2_000).catch(() => logger.warn("Redis not reachable at start; serving from Postgres until it is"));
      cache = mirrored ?? redis;
    } else {
      cache = createMemoryCache({ maxEntries: config.MEMORY_CACHE_MAX_ENTRIES });
    }
    closers.push(() => cache.close());
    const background = createBackgroundTasks(logger);
    // Call records the database cannot take now wait on disk; what an earlier run left is stored from here on.
    let callRecordSpool: CallRecordSpool | undefined;
    if (config.CALL_RECORD_SPOOL_MAX_BYTES > 0) {
      const spool = await openCallRecordSpool({
        dir: join(config.DATA_DIR, "spool", "call-records"),
        maxBytes: config.CALL_RECORD_SPOOL_MAX_BYTES,
        context: {
          db: database.db,
          cache,
          logger,
          clock: systemClock,
          defer: background.defer,
          retentionDays: config.TRANSCRIPT_RETENTION_DAYS,
        },
      });
      callRecordSpool = spool;
      closers.push(() => spool.close());
    }
    // Registered last so it runs first on close: deferred work finishes while its clients are open.
    closers.push(background.settled);

    const deps: AppDeps = {
      config,
      db: database.db,
      databaseKind,
      cache,
      registry,
      logger,
      metrics: options.metrics ?? createPrometheusMetrics(),
      clock: systemClock,
      auth: authSettings(config, secret),
      services: await createBusinessServices(config, { db: database.db, logger, vapiSecret: secret }),
      defer: background.defer,
      bodyBudgets: createBodyBudgets(
        bodyBudgetBytes(config.BODY_MEMORY_BUDGET_BYTES, getHeapStatistics().heap_size_limit),
        config.MAX_BODY_BYTES,
      ),
      ...(callRecordSpool ? { callRecordSpool } : {}),
    };
    const seed = config.DEMO_DATA === "on" || (config.DEMO_DATA === "auto" && databaseKind === "embedded");
    const demo = seed
      ? await seedDemoData({ db: database.db, cache, clock: systemClock, logger, timeZone: config.BUSINESS_TIMEZONE })
      : undefined;
    return { deps, generatedSecret: generated, demo, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * VAPI_SECRET when set; otherwise a random secret generated once and kept in DATA_DIR, so it
 * survives restarts and the value pasted into Vapi stays valid. Never "no secret".
 */
export async function resolveSecret(config: Config): Promise<{ secret: string; generated: boolean }> {
  if (config.VAPI_SECRET) return { secret: config.VAPI_SECRET, generated: false };
  const file = join(config.DATA_DIR, "vapi-secret");
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim().length >= 16) return { secret: existing.trim(), generated: true };
  const secret = randomBytes(24).toString("base64url");
  await mkdir(config.DATA_DIR, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true };
}
