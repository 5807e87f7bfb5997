import type { CallerProfileContributor } from "./assistant/caller-profile.ts";
import type { AssistantConfig } from "./assistant/define.ts";
import type { Cache } from "./cache/cache.ts";
import { type Config, serverSecrets } from "./config.ts";
import type { Database } from "./db/client.ts";
import type { VapiOutbound } from "./integrations/vapi-api/outbound.ts";
import type { BodyBudgets } from "./lib/byte-budget.ts";
import type { Clock } from "./lib/clock.ts";
import type { Defer } from "./lib/defer.ts";
import type { Logger } from "./lib/logger.ts";
import type { CallRecordSpool } from "./services/calls/store.ts";
import type { ReadContext } from "./services/context.ts";
import type { Metrics } from "./telemetry/metrics.ts";
import type { BusinessServices } from "./tools/define-tool.ts";
import type { ToolRegistry } from "./tools/registry.ts";
import type { AuthSettings } from "./vapi/auth.ts";

/** Everything the app needs, built by an entry (Node server, Worker, tests) and passed in. */
export interface AppDeps {
  config: Config;
  db: Database;
  /** Which database backs `db`, for /readyz: an external Postgres or the embedded one. */
  databaseKind: "postgres" | "embedded";
  cache: Cache;
  registry: ToolRegistry;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  auth: AuthSettings;
  services: BusinessServices;
  /** The assistant configuration; defaults to the project's `assistant.config.ts`. */
  assistant?: AssistantConfig;
  /** Vapi's REST API for outbound work (reminders); defaults to one built from VAPI_API_URL and VAPI_API_KEY. */
  vapiApi?: VapiOutbound;
  /** Sources of the caller profile; defaults to `src/assistant/contributors/index.ts`. */
  profileContributors?: readonly CallerProfileContributor[];
  /**
   * Work the response does not wait for. On Workers it goes to `ctx.waitUntil`; on Node it runs
   * in the background and shutdown waits for it. Failures are logged, never thrown.
   */
  defer: Defer;
  /** Memory that webhook bodies may hold at once: one per process on Node, per isolate on Workers. */
  bodyBudgets: BodyBudgets;
  /**
   * Node: where call records wait (on disk) while the database cannot take them. Absent on
   * Workers: a record not committed within the wait is not acknowledged, so Vapi delivers it again.
   */
  callRecordSpool?: CallRecordSpool;
  /**
   * Secrets resolved at start that the configuration does not hold (Node: a generated Vapi or
   * payment-link secret); `secretsOf` adds the configured ones.
   */
  resolvedSecrets?: readonly string[];
}

const contexts = new WeakMap<AppDeps, ReadContext>();
const secretLists = new WeakMap<AppDeps, readonly string[]>();

/**
 * This server's own secrets (the Vapi secret it accepts, the API token, signing and provider
 * keys), derived once per AppDeps: what a stored call record must never hold.
 */
export function secretsOf(deps: AppDeps): readonly string[] {
  let secrets = secretLists.get(deps);
  if (!secrets) {
    secrets = serverSecrets(deps.config, [deps.auth.secret, deps.auth.hmac?.secret, ...(deps.resolvedSecrets ?? [])]);
    secretLists.set(deps, secrets);
  }
  return secrets;
}

/**
 * The one service context (db, cache, clock, logger, metrics, defer, time zone), derived once per
 * AppDeps: the REST API, the payment pages and warm-up pass it down (the REST API's writes open a
 * transaction on it with `inTransaction`); tools get a superset of it as their `ctx`.
 */
export function serviceContext(deps: AppDeps): ReadContext {
  let ctx = contexts.get(deps);
  if (!ctx) {
    const { db, cache, clock, logger, metrics, defer } = deps;
    ctx = { db, cache, clock, logger, metrics, defer, timeZone: deps.config.BUSINESS_TIMEZONE };
    contexts.set(deps, ctx);
  }
  return ctx;
}
