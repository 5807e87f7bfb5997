/**
 * `npm run db:seed`: loads the demo data set (src/services/demo-seed.ts, what `npm start` seeds into
 * the embedded database) into the database at DATABASE_URL, for a Node server or a Worker behind
 * Hyperdrive alike. Idempotent: run again, it adds the coming week's slots and changes nothing else.
 * With REDIS_URL (and the server's REDIS_KEY_PREFIX) the cache entries it changes are invalidated,
 * so a running server sees the new rows at once.
 */
import type { Cache } from "../../src/cache/cache.ts";
import { createMemoryCache } from "../../src/cache/memory-cache.ts";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { parseConfig } from "../../src/config.ts";
import { createDatabase } from "../../src/db/client.ts";
import { migrationStatus } from "../../src/db/migrate.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { seedDemoData } from "../../src/services/demo-seed.ts";

const config = parseConfig(process.env);
if (!config.DATABASE_URL) {
  process.stderr.write("DATABASE_URL is not set: `npm start` seeds the embedded database itself (DEMO_DATA).\n");
  process.exit(1);
}
const logger = createLogger({ level: "warn" });
const database = createDatabase(config.DATABASE_URL, { max: 1 });
let cache: Cache = createMemoryCache();
try {
  const { pending } = await migrationStatus(database.db);
  if (pending.length > 0) {
    throw new Error(`the database needs ${pending.length} migration(s) first (${pending.join(", ")}): run \`npm run db:migrate\``);
  }
  if (config.REDIS_URL) {
    const redis = createRedisCache({ url: config.REDIS_URL, keyPrefix: config.REDIS_KEY_PREFIX, commandTimeoutMs: 2_000 });
    cache = redis;
    await waitForRedis(redis.client, 5_000);
  }
  const demo = await seedDemoData({ db: database.db, cache, clock: systemClock, logger, timeZone: config.BUSINESS_TIMEZONE });
  process.stdout.write(
    [
      `Demo data is in ${new URL(config.DATABASE_URL).pathname.slice(1) || "the database"}${config.REDIS_URL ? ` (cache keys under "${config.REDIS_KEY_PREFIX}" invalidated)` : ""}.`,
      `  callers: ${demo.callerNumber} (${demo.callerName}), ${demo.otherCallerNumber} (${demo.otherCallerName})`,
      `  tracking numbers: ${demo.trackingNumber}, ${demo.delayedTrackingNumber} (delayed); invoice: ${demo.invoiceId}`,
      "",
    ].join("\n"),
  );
  if (!config.REDIS_URL) {
    process.stdout.write("REDIS_URL is not set: a running server may answer from its cache until the entries expire.\n");
  }
} catch (err) {
  const e = err as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  process.stderr.write(
    `Seeding failed: ${e.cause?.message ?? e.message}${(e.cause?.code ?? e.code) ? ` (${e.cause?.code ?? e.code})` : ""}.\n`,
  );
  process.exitCode = 1;
} finally {
  await cache.close();
  await database.close();
}
