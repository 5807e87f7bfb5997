/**
 * `npm run latency -- [--since 7d] [--preset name] [--json] [--chart file.svg]`: the per-turn
 * latency report from stored end-of-call reports (docs/latency.md). Reads DATABASE_URL, else the
 * embedded database under DATA_DIR (migrated and, as `npm start` does, seeded with the demo data,
 * a week of calls included). Writes a chart of each stage against its budget (SVG).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { createMemoryCache } from "../../../src/cache/memory-cache.ts";
import { ConfigError, parseConfig } from "../../../src/config.ts";
import { createDatabase, type DatabaseHandle } from "../../../src/db/client.ts";
import { EmbeddedDatabaseError, startEmbeddedPostgres } from "../../../src/db/embedded.ts";
import { migrationStatus, runMigrations } from "../../../src/db/migrate.ts";
import { systemClock } from "../../../src/lib/clock.ts";
import { createLogger } from "../../../src/lib/logger.ts";
import { seedDemoData } from "../../../src/services/demo-seed.ts";
import { compareExperiments } from "../../../src/services/latency/experiments.ts";
import { latencyReport, parseReportDate, parseSince } from "../../../src/services/latency/report.ts";
import { latencyChart } from "./chart.ts";
import { formatReport } from "./format.ts";

const USAGE =
  "Usage: npm run latency -- [--since 7d|24h|2026-11-01] [--until date] [--preset name] [--json] [--chart file.svg (default DATA_DIR/latency.svg)]\n";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      since: { type: "string", default: "7d" },
      until: { type: "string" },
      preset: { type: "string" },
      json: { type: "boolean", default: false },
      chart: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const now = values.until === undefined ? new Date() : parseReportDate(values.until);
  if (!now) {
    process.stderr.write(`--until ${values.until}: expected a date (2026-11-01 or 2026-11-01T12:00:00Z).\n${USAGE}`);
    return 2;
  }
  const since = parseSince(values.since, now);
  if (!since) {
    process.stderr.write(
      `--since ${values.since}: expected a window such as 7d, 24h, 90m, or a date (2026-11-01), not after --until.\n${USAGE}`,
    );
    return 2;
  }
  const config = parseConfig(process.env);
  const database = await openDatabase(config);
  try {
    const report = await latencyReport(database.handle.db, { since, until: now, preset: values.preset });
    const experiments = await compareExperiments(database.handle.db, { since, until: now });
    const chart = values.chart ?? join(config.DATA_DIR, "latency.svg");
    await mkdir(dirname(chart), { recursive: true });
    await writeFile(chart, latencyChart(report));
    if (values.json) process.stdout.write(`${JSON.stringify({ ...report, experiments }, null, 2)}\n`);
    else process.stdout.write(`${formatReport(report, experiments)}\nChart: ${chart}\n`);
    return 0;
  } finally {
    await database.close();
  }
}

/** DATABASE_URL (migrations must be applied), else the embedded database, migrated and seeded like `npm start` does. */
async function openDatabase(config: ReturnType<typeof parseConfig>): Promise<{ handle: DatabaseHandle; close(): Promise<void> }> {
  if (config.DATABASE_URL) {
    const handle = createDatabase(config.DATABASE_URL, { max: 2 });
    const { pending } = await migrationStatus(handle.db);
    if (pending.length > 0) {
      await handle.close();
      throw new Error(`the database needs ${pending.length} migration(s) first (${pending.join(", ")}): run \`npm run db:migrate\``);
    }
    return { handle, close: handle.close };
  }
  const dir = join(config.DATA_DIR, "pg");
  const embedded = await startEmbeddedPostgres(dir);
  const handle = createDatabase(embedded.url, { max: 1 });
  const close = async () => {
    await handle.close();
    await embedded.stop();
  };
  try {
    await runMigrations(handle.db);
    if (config.DEMO_DATA !== "off") {
      const cache = createMemoryCache();
      const logger = createLogger({ level: "warn" });
      await seedDemoData({ db: handle.db, cache, clock: systemClock, logger, timeZone: config.BUSINESS_TIMEZONE });
      await cache.close();
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { handle, close };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof EmbeddedDatabaseError;
    const e = err as { message?: string; cause?: { message?: string } };
    process.stderr.write(`${known ? e.message : `Latency report failed: ${e.cause?.message ?? e.message}`}\n`);
    process.exit(1);
  },
);
