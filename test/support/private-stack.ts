/**
 * A private Postgres and Redis for one fault-test file, migrated and connected, plus an app built
 * on them. Fault tests stop, pause and kill these; the run's shared services are never touched.
 */
import { Redis } from "ioredis";
import { type ControlledService, startPostgres, startRedis } from "../../scripts/lab/lib/private-services.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { createDatabase, type DatabaseHandle } from "../../src/db/client.ts";
import { runMigrations } from "../../src/db/migrate.ts";
import { createTestApp, type TestApp, type TestAppOptions } from "./harness.ts";

export interface PrivateStack {
  postgres: ControlledService;
  redis: ControlledService;
  database: DatabaseHandle;
  /** The app's cache: the same fail-fast client production uses, on the private Redis. */
  cache: ReturnType<typeof createRedisCache>;
  /** A separate client on the private Redis, to look at what the app cached. */
  inspect: Redis;
  app(options?: TestAppOptions): Promise<TestApp>;
  /** Stops both servers; call it from the file's top-level afterAll (hooks added inside beforeAll never run). */
  destroy(): Promise<void>;
}

export const PRIVATE_KEY_PREFIX = "sb:";

/**
 * A private Postgres alone, migrated, for tests that need several connections at once (row locks
 * held by the test, concurrent transactions), which the embedded database cannot serve.
 */
export async function startPrivatePostgres(): Promise<{ url: string; database: DatabaseHandle; destroy(): Promise<void> }> {
  const postgres = await startPostgres();
  const database = createDatabase(postgres.url, { max: 8, connectTimeoutSeconds: 2 });
  await runMigrations(database.db);
  return {
    url: postgres.url,
    database,
    async destroy() {
      await database.close().catch(() => {});
      await postgres.destroy();
    },
  };
}

/** Starts both services (about ten seconds on a busy machine). */
export async function startPrivateStack(options: { commandTimeoutMs?: number } = {}): Promise<PrivateStack> {
  const [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
  // A short connect timeout: with Postgres gone, a query fails in a second instead of five.
  const database = createDatabase(postgres.url, { max: 8, connectTimeoutSeconds: 1 });
  await runMigrations(database.db);
  const cache = createRedisCache({ url: redis.url, keyPrefix: PRIVATE_KEY_PREFIX, commandTimeoutMs: options.commandTimeoutMs ?? 50 });
  await waitForRedis(cache.client);
  const inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(50 * n, 500) });
  inspect.on("error", () => {});
  const destroy = async () => {
    inspect.disconnect();
    await cache.close();
    await database.close().catch(() => {});
    await Promise.all([redis.destroy(), postgres.destroy()]);
  };
  return {
    postgres,
    redis,
    database,
    cache,
    inspect,
    destroy,
    app: (appOptions = {}) => createTestApp({ db: database.db, cache, ...appOptions }),
  };
}
