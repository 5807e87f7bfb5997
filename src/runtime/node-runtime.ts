/**
 * Builds the app's dependencies for Node: external Postgres and Redis when configured, else the
 * embedded defaults (PGlite under DATA_DIR, an in-process cache). Node only.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { getHeapStatistics } from "node:v8";
import type { Cache } from "../cache/cache.ts";
import { MIRRORED_PREFIXES } from "../cache/keys.ts";
import { createMemoryCache } from "../cache/memory-cache.ts";
import { createMirroredCache } from "../cache/mirrored-cache.ts";
import { createRedisCache, waitForRedis } from "../cache/redis-cache.ts";
import { type Config, serverSecrets } from "../config.ts";
import { createDatabase, type DatabaseHandle } from "../db/client.ts";
import { startEmbeddedPostgres } from "../db/embedded.ts";
import { migrationStatus, runMigrations } from "../db/migrate.ts";
import type { AppDeps } from "../deps.ts";
import { bodyBudgetBytes, createBodyBudgets } from "../lib/byte-budget.ts";
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

export interface NodeRuntime {
  deps: AppDeps;
  /** True when the secret was generated (and saved under DATA_DIR) rather than configured. */
  generatedSecret: boolean;
  /** The secret signing payment links (PAYMENT_PROVIDER=link), and whether it was generated (kept in `file`) rather than configured. */
  paymentLinkSecret: KeptSecret | undefined;
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
  /** Runs each start-up step; `npm start` passes one that prints them as they happen. */
  step?: StartupStep;
}

/** Runs one named start-up step; `summary` turns its value into the few words printed after it. */
export type StartupStep = <T>(label: string, run: () => Promise<T>, summary?: (value: T) => string) => Promise<T>;

const quietly: StartupStep = (_label, run) => run();

/** Raised when the server must not start as configured; the message says what to do. */
export class StartupError extends Error {
  override name = "StartupError";
}

export async function createNodeRuntime(config: Config, options: NodeRuntimeOptions = {}): Promise<NodeRuntime> {
  const closers: (() => Promise<void>)[] = [];
  // Once, however often it is asked for (a second signal, a test's clean-up): later calls wait for the first.
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const fn of closers.reverse()) await fn().catch(() => {});
    })());
  try {
    const step = options.step ?? quietly;
    const { secret, generated } = await resolveSecret(config);
    const paymentLinkSecret = await resolvePaymentLinkSecret(config);
    const logger =
      options.logger ?? createLogger({ level: config.LOG_LEVEL, secrets: serverSecrets(config, [secret, paymentLinkSecret?.secret]) });
    const credentialId = await resolveCredentialId(config);
    if (config.VAPI_SERVER_AUTH === "credential" && !credentialId) {
      logger.info(
        "no Vapi credential id: the served assistant names no server, so Vapi uses the phone number's Server URL and its secret",
        {
          fix: "run `npm run vapi -- apply` or set VAPI_CREDENTIAL_ID (VAPI_SERVER_AUTH=header sends the secret in payloads instead)",
        },
      );
    }
    const registry = createRegistry(
      options.tools ??
        (await step(
          "loading tools from tools/",
          () => discoverTools(options.toolsDir),
          (tools) => `${tools.length} tools`,
        )),
    );

    let database: DatabaseHandle;
    let databaseKind: AppDeps["databaseKind"];
    if (config.DATABASE_URL) {
      database = createDatabase(config.DATABASE_URL, { max: config.DATABASE_POOL_MAX });
      databaseKind = "postgres";
      closers.push(database.close);
      if (options.migrate) {
        await step("applying migrations", () => runMigrations(database.db), migrated);
      } else {
        const { pending } = await step(
          "checking the database schema",
          () => migrationStatus(database.db),
          (s) => (s.pending.length === 0 ? "current" : `${s.pending.length} pending`),
        );
        if (pending.length > 0) {
          throw new StartupError(
            `The database at DATABASE_URL needs ${pending.length} migration(s) before Switchboard can serve (${pending.join(", ")}). ` +
              "Apply them with `npm run db:migrate` (same DATABASE_URL), then start again.",
          );
        }
      }
    } else {
      const dir = join(config.DATA_DIR, "pg");
      const embedded = await step(
        `starting the embedded Postgres in ${dir}${existsSync(dir) ? "" : " (first start: creating it, this takes a while)"}`,
        () => startEmbeddedPostgres(dir),
        (e) => (e.created ? "created" : "opened"),
      );
      closers.push(embedded.stop);
      database = createDatabase(embedded.url, { max: 1 });
      databaseKind = "embedded";
      closers.push(database.close);
      await step("applying migrations", () => runMigrations(database.db), migrated);
    }

    let cache: Cache;
    if (config.REDIS_URL) {
      const redis = createRedisCache({
        url: config.REDIS_URL,
        keyPrefix: config.REDIS_KEY_PREFIX,
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
        invalidationTimeoutMs: config.REDIS_INVALIDATION_TIMEOUT_MS,
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
      config: credentialId === config.VAPI_CREDENTIAL_ID ? config : { ...config, VAPI_CREDENTIAL_ID: credentialId },
      db: database.db,
      databaseKind,
      cache,
      registry,
      logger,
      metrics: options.metrics ?? createPrometheusMetrics(),
      clock: systemClock,
      auth: authSettings(config, secret),
      services: await createBusinessServices(config, {
        db: database.db,
        logger,
        paymentLinkSecret: paymentLinkSecret?.secret,
        showKeptMessages: databaseKind === "embedded",
      }),
      defer: background.defer,
      bodyBudgets: createBodyBudgets(
        bodyBudgetBytes(config.BODY_MEMORY_BUDGET_BYTES, getHeapStatistics().heap_size_limit),
        config.MAX_BODY_BYTES,
      ),
      ...(callRecordSpool ? { callRecordSpool } : {}),
      resolvedSecrets: paymentLinkSecret ? [secret, paymentLinkSecret.secret] : [secret],
    };
    const seed = config.DEMO_DATA === "on" || (config.DEMO_DATA === "auto" && databaseKind === "embedded");
    const demo = seed
      ? await step("seeding the demo data", () =>
          seedDemoData({ db: database.db, cache, clock: systemClock, logger, timeZone: config.BUSINESS_TIMEZONE }),
        )
      : undefined;
    return { deps, generatedSecret: generated, paymentLinkSecret, demo, close };
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

/** A secret and where it came from: configured, or generated once and kept in `file`. */
export interface KeptSecret {
  secret: string;
  generated: boolean;
  /** Where a generated secret is kept. */
  file?: string;
}

/**
 * The secret signing payment links and confirmations when PAYMENT_PROVIDER=link (else none):
 * PAYMENT_LINK_SECRET when set; otherwise generated once and kept in DATA_DIR, like the Vapi
 * secret, so links already texted stay valid across restarts. Never derived from the Vapi
 * secret: Vapi holds that one, and whoever holds this one can mark invoices paid.
 */
export async function resolvePaymentLinkSecret(config: Config): Promise<KeptSecret | undefined> {
  if (config.PAYMENT_PROVIDER !== "link") return undefined;
  if (config.PAYMENT_LINK_SECRET) return { secret: config.PAYMENT_LINK_SECRET, generated: false };
  const file = join(config.DATA_DIR, "payment-link-secret");
  return { secret: await keptSecret(config.DATA_DIR, file), generated: true, file };
}

/** The secret kept in `file`, generated (24 random bytes, base64url, readable by this user only) when there is none. */
async function keptSecret(dir: string, file: string): Promise<string> {
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (existing.length >= 16) return existing;
  const secret = randomBytes(24).toString("base64url");
  await mkdir(dir, { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

const migrated = (tags: string[]) => (tags.length === 0 ? "schema current" : `${tags.length} applied`);

/** Where `npm run vapi -- apply` keeps the id of the credential it created, for this machine's server. */
export function credentialIdFile(config: Pick<Config, "DATA_DIR">): string {
  return join(config.DATA_DIR, "vapi-credential-id");
}

/** VAPI_CREDENTIAL_ID when set; otherwise the id `npm run vapi -- apply` saved under DATA_DIR, if any. */
export async function resolveCredentialId(config: Config): Promise<string | undefined> {
  if (config.VAPI_CREDENTIAL_ID) return config.VAPI_CREDENTIAL_ID;
  const saved = (await readFile(credentialIdFile(config), "utf8").catch(() => "")).trim();
  return saved === "" ? undefined : saved;
}

/** Keeps the credential id for `resolveCredentialId` (written by the sync CLI). */
export async function saveCredentialId(config: Config, id: string): Promise<void> {
  await mkdir(config.DATA_DIR, { recursive: true });
  await writeFile(credentialIdFile(config), `${id}\n`, { mode: 0o600 });
}
