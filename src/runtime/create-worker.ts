/**
 * Builds the app on Cloudflare Workers. Two lifetimes:
 * - per isolate (first request, then reused): the parsed config, the tool registry, the logger
 *   and the first-level cache memory. None of them holds an I/O object. Until the isolate has
 *   served its first Vapi request it is cold: budgets are raised (PERSONALIZATION_COLD_BUDGET_MS,
 *   TOOL_COLD_BUDGET_MS) for the code compiled and connections opened on first use.
 * - per request: the Postgres client (through Hyperdrive) and the Redis client, because workerd
 *   forbids using a socket opened by one request from another. Both connect on first use only.
 *   Work deferred by the request (cache fills and refreshes, a lookup or tool that overran its
 *   budget) runs under one `ctx.waitUntil`; Redis is closed only after all of it has settled,
 *   Postgres by the runtime once the request and its waitUntil work end.
 * No file system here: tools come from the build-time index (`src/generated/tools.ts`).
 */

import { createApp } from "../app.ts";
import type { CallerProfileContributor } from "../assistant/caller-profile.ts";
import type { Cache } from "../cache/cache.ts";
import { createLayeredCache, createLocalMemory, type LocalMemory } from "../cache/layered-cache.ts";
import { createMemoryCache } from "../cache/memory-cache.ts";
import { createRequestRedisCache } from "../cache/redis-cache.ts";
import { type Config, ConfigError, type Env, parseConfig, serverSecrets } from "../config.ts";
import { createDatabase, type Database } from "../db/client.ts";
import type { AppDeps } from "../deps.ts";
import { type BodyBudgets, bodyBudgetBytes, createBodyBudgets } from "../lib/byte-budget.ts";
import { systemClock } from "../lib/clock.ts";
import { createBackgroundTasks, type Defer, logFailure } from "../lib/defer.ts";
import { createLogger, type Logger, type LogLevel } from "../lib/logger.ts";
import { noopMetrics } from "../telemetry/metrics.ts";
import type { BusinessServices, ToolDefinition } from "../tools/define-tool.ts";
import { createRegistry, type LoadedTool, ToolDefinitionError, type ToolRegistry } from "../tools/registry.ts";
import { type AuthSettings, authSettings } from "../vapi/auth.ts";

/** The parts of a Hyperdrive binding used here (typed locally so the Node build needs no Workers types). */
export interface HyperdriveBinding {
  connectionString: string;
}

/**
 * What the Worker is given: vars and secrets as strings, plus the Hyperdrive binding. The entry
 * passes wrangler's generated `Env` (src/worker.ts); only the binding is read by name here, every
 * string goes through the config parser.
 */
export interface WorkerEnv {
  HYPERDRIVE?: HyperdriveBinding;
}

export interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Connections one request may open to Postgres. Workers allows six open connections per request; one is Redis's. */
export const MAX_DB_CONNECTIONS_PER_REQUEST = 4;

export interface RequestScope {
  config: Config;
  db: Database;
  cache: Cache;
  logger: Logger;
  /** The Vapi secret, for services that derive their own keys from it. */
  secret: string;
  defer: Defer;
}

export interface WorkerOptions {
  /** The tools to serve, normally `bundledTools` from the generated index. */
  tools: readonly LoadedTool[];
  /** Services for one request's tools (payments, SMS), built over that request's clients. */
  services: (scope: RequestScope) => BusinessServices | Promise<BusinessServices>;
  /** Sources of the caller profile; defaults to the project's (`src/assistant/contributors/`). */
  profileContributors?: readonly CallerProfileContributor[];
}

interface Isolate {
  config: Config;
  /**
   * The config and tools while the isolate is cold: the personalization budget raised to
   * PERSONALIZATION_COLD_BUDGET_MS and every tool's to at least TOOL_COLD_BUDGET_MS, because the
   * first lookups and calls pay for compiling their code and opening the first connections.
   */
  coldConfig: Config;
  coldRegistry: ToolRegistry;
  /** Set once the isolate has served a Vapi request to the end, deferred work included. */
  warm: boolean;
  logger: Logger;
  registry: ToolRegistry;
  auth: AuthSettings;
  /** First-level cache kept for the isolate's lifetime (strings only; see layered-cache.ts). */
  memory: LocalMemory;
  /** Stands in for Redis when REDIS_URL is unset: per isolate, so an accelerator only. */
  fallbackCache: Cache | undefined;
  /** Memory webhook bodies may hold at once: the isolate's heap is shared by its concurrent requests. */
  bodyBudgets: BodyBudgets;
}

/** A Workers isolate's memory limit (128 MB, code and runtime included). */
const ISOLATE_HEAP_BYTES = 128 * 1024 * 1024;
/** The console method per log level: Workers Logs records it as the line's level (console.log would make every line "log"). */
const consoleByLevel: Record<Exclude<LogLevel, "silent">, (line: string) => void> = {
  debug: (line) => console.debug(line),
  info: (line) => console.info(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

type IsolateState = { ok: true; isolate: Isolate } | { ok: false; message: string };

/** Vars and secrets as the config parser sees them: the string values of `env`, nothing else. */
export function envStrings(env: WorkerEnv): Env {
  const out: Env = {};
  for (const [name, value] of Object.entries(env)) if (typeof value === "string") out[name] = value;
  return out;
}

/** Parses the config and loads the tools once per isolate. Throws ConfigError or ToolDefinitionError. */
function buildIsolate(env: WorkerEnv, tools: readonly LoadedTool[]): Isolate {
  const config = parseConfig(envStrings(env));
  if (!config.VAPI_SECRET) {
    throw new ConfigError("Invalid configuration:\n  VAPI_SECRET: required on Workers (set it with `wrangler secret put VAPI_SECRET`)");
  }
  // No file system keeps a generated one, and none is derived from the Vapi secret (Vapi holds that).
  if (config.PAYMENT_PROVIDER === "link" && !config.PAYMENT_LINK_SECRET) {
    throw new ConfigError(
      "Invalid configuration:\n  PAYMENT_LINK_SECRET: required on Workers when PAYMENT_PROVIDER=link (it signs payment links and your payment page's " +
        "confirmations; set a long random value of its own with `wrangler secret put PAYMENT_LINK_SECRET`)",
    );
  }
  if (!env.HYPERDRIVE?.connectionString && !config.DATABASE_URL) {
    throw new ConfigError("Invalid configuration:\n  HYPERDRIVE: bind a Hyperdrive configuration (or set DATABASE_URL) for the database");
  }
  const logger = createLogger({
    level: config.LOG_LEVEL,
    // Workers Logs and `wrangler tail` take the level from the console method (JSON lines arrive as fields).
    sink: (line, level) => consoleByLevel[level](line),
    secrets: serverSecrets(config),
  });
  if (!config.REDIS_URL) logger.warn("REDIS_URL is not set: each isolate caches in its own memory only");
  if (config.VAPI_SERVER_AUTH === "credential" && !config.VAPI_CREDENTIAL_ID) {
    logger.info(
      "VAPI_CREDENTIAL_ID is not set: the served assistant names no server, so Vapi uses the phone number's Server URL and its secret (see docs/vapi.md)",
    );
  }
  const coldBudgetMs = Math.max(config.PERSONALIZATION_COLD_BUDGET_MS, config.PERSONALIZATION_BUDGET_MS);
  const registry = createRegistry(tools);
  return {
    config,
    coldConfig: { ...config, PERSONALIZATION_BUDGET_MS: coldBudgetMs },
    coldRegistry: withLeastBudget(registry, config.TOOL_COLD_BUDGET_MS, config.TOOL_BUDGET_MS),
    warm: false,
    logger,
    registry,
    auth: authSettings(config, config.VAPI_SECRET),
    memory: createLocalMemory(),
    fallbackCache: config.REDIS_URL ? undefined : createMemoryCache({ maxEntries: Math.min(config.MEMORY_CACHE_MAX_ENTRIES, 10_000) }),
    bodyBudgets: createBodyBudgets(bodyBudgetBytes(config.BODY_MEMORY_BUDGET_BYTES, ISOLATE_HEAP_BYTES), config.MAX_BODY_BYTES),
  };
}

/**
 * The Worker's handler. Per-isolate state is keyed by the `env` object, which stays the same for
 * an isolate's lifetime (and differs between the bindings a test gives).
 */
export function createWorker(options: WorkerOptions) {
  // Deliberate per-isolate cache: parsed config, registry, cache memory (no I/O objects).
  const isolates = new WeakMap<object, IsolateState>();
  const stateFor = (env: WorkerEnv): IsolateState => {
    let state = isolates.get(env);
    if (!state) {
      try {
        state = { ok: true, isolate: buildIsolate(env, options.tools) };
      } catch (err) {
        if (!(err instanceof ConfigError || err instanceof ToolDefinitionError)) throw err;
        console.error(err.message);
        state = { ok: false, message: err.message };
      }
      isolates.set(env, state);
    }
    return state;
  };

  return {
    async fetch(request: Request, env: WorkerEnv, ctx: WorkerExecutionContext): Promise<Response> {
      const state = stateFor(env);
      if (!state.ok) {
        // Fail closed: without a valid config nothing can be authenticated. The reason is in the log.
        return Response.json({ error: { code: "misconfigured", message: "The server is misconfigured; see its logs." } }, { status: 503 });
      }
      const { isolate } = state;
      // Tracked so the request's clients close only once every piece of deferred work has settled,
      // including work deferred by deferred work (a refresh that fills the cache).
      const background = createBackgroundTasks(isolate.logger);
      const defer = background.defer;
      const clients = openClients(isolate, env);
      const vapiRequest = new URL(request.url).pathname.startsWith("/vapi/");
      const config = isolate.warm ? isolate.config : isolate.coldConfig;
      try {
        const scope: RequestScope = {
          config,
          db: clients.db,
          cache: clients.cache,
          logger: isolate.logger,
          secret: isolate.auth.secret,
          defer,
        };
        const deps: AppDeps = {
          config,
          db: clients.db,
          databaseKind: "postgres",
          cache: clients.cache,
          registry: isolate.warm ? isolate.registry : isolate.coldRegistry,
          logger: isolate.logger,
          // Prometheus scraping needs a long-lived process; Workers export through their own observability.
          metrics: noopMetrics,
          clock: systemClock,
          auth: isolate.auth,
          services: await options.services(scope),
          defer,
          bodyBudgets: isolate.bodyBudgets,
          // No callRecordSpool: Workers have no disk. A call record not committed within the wait
          // is answered 503 and Vapi delivers it again (docs/adr/0003-call-records-acknowledged-after-commit.md).
          ...(options.profileContributors ? { profileContributors: options.profileContributors } : {}),
        };
        // createApp per request costs tens of microseconds (docs/adr/0006-workers-runtime.md) and
        // keeps every request's clients out of any shared object.
        return await createApp(deps).fetch(request);
      } catch (err) {
        // Only the services builder can get here (the app answers its own errors): our fault.
        isolate.logger.error("worker request failed", { path: new URL(request.url).pathname, err });
        return Response.json({ error: { code: "internal", message: "Internal error." } }, { status: 500 });
      } finally {
        // One waitUntil for all of it: closing Redis at once failed the deferred cache reads and
        // writes ("Connection is closed"), and an overrun profile lookup never filled the cache.
        const closeAfterWork = background.settled().then(() => {
          if (vapiRequest) isolate.warm = true;
          return clients.close();
        });
        ctx.waitUntil(logFailure(isolate.logger, closeAfterWork, "closing request clients"));
      }
    },
  };
}

/**
 * The registry as a cold isolate dispatches it: each tool's budget at least `leastMs`. Only `get`
 * (what the dispatcher runs) changes; `list` (what the assistant tells Vapi) stays as defined.
 */
function withLeastBudget(registry: ToolRegistry, leastMs: number, defaultBudgetMs: number): ToolRegistry {
  const raised = new Map<string, ToolDefinition>();
  return {
    list: () => registry.list(),
    get(name) {
      const tool = registry.get(name);
      if (!tool) return undefined;
      let cold = raised.get(name);
      if (!cold) {
        cold = { ...tool, budgetMs: Math.max(tool.budgetMs ?? defaultBudgetMs, leastMs) };
        raised.set(name, cold);
      }
      return cold;
    },
  };
}

/** The request's own clients; neither opens a connection until it is used. */
function openClients(isolate: Isolate, env: WorkerEnv): { db: Database; cache: Cache; close(): Promise<void> } {
  const { config } = isolate;
  const url = env.HYPERDRIVE?.connectionString ?? config.DATABASE_URL!;
  const database = createDatabase(url, {
    max: Math.min(config.DATABASE_POOL_MAX, MAX_DB_CONNECTIONS_PER_REQUEST),
    fetchTypes: false,
  });
  let cache: Cache;
  let closeCache = async (): Promise<void> => {};
  if (config.REDIS_URL) {
    const redis = createRequestRedisCache({
      url: config.REDIS_URL,
      keyPrefix: config.REDIS_KEY_PREFIX,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      invalidationTimeoutMs: config.REDIS_INVALIDATION_TIMEOUT_MS,
      connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
    });
    cache = createLayeredCache(redis, isolate.memory);
    closeCache = () => redis.close();
  } else {
    cache = isolate.fallbackCache!;
  }
  return {
    db: database.db,
    cache,
    // Redis is disconnected explicitly (no round trip), freeing its server-side slot at once. The
    // Postgres socket is left to the runtime, which closes a request's sockets when the request
    // and its waitUntil work end; Hyperdrive keeps the pooled origin connection either way.
    // postgres.js's end() on Workers leaves a "Stream was cancelled" rejection behind from its
    // socket polyfill (see docs/adr/0006-workers-runtime.md).
    close: closeCache,
  };
}
