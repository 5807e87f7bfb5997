/**
 * Prepares the real services for one test run and hands their addresses to the test files.
 * With DATABASE_URL: a fresh database per run (dropped afterwards), so runs never see each
 * other's rows. Without: an embedded PGlite in a temp directory. With REDIS_URL: a key prefix
 * per run. A configured service that cannot be reached fails the run: nothing is skipped.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { createRedisCache, waitForRedis } from "../../src/cache/redis-cache.ts";
import { createDatabase } from "../../src/db/client.ts";
import { startEmbeddedPostgres } from "../../src/db/embedded.ts";
import { runMigrations } from "../../src/db/migrate.ts";
import { scanLogLines } from "./log-scan.ts";
import { LOGGED_SECRETS } from "./secrets.ts";

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: "postgres" | "embedded";
    redisUrl: string | undefined;
    redisPrefix: string;
    /** Every test app's log lines go here; the run fails if any holds what must never be logged. */
    logDir: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const teardown: (() => Promise<void>)[] = [];
  // The set-up can take a while (an embedded Postgres starts in seconds): say what it does as it goes.
  const started = performance.now();
  const step = (what: string) => process.stdout.write(`test set-up: ${what} (${Math.round(performance.now() - started)} ms)\n`);

  let databaseUrl: string;
  const external = process.env.DATABASE_URL;
  if (external) {
    const admin = postgres(external, { max: 1, connect_timeout: 5, onnotice: () => {} });
    const name = `switchboard_test_${runId}`;
    try {
      await admin.unsafe(`create database "${name}"`);
    } catch (err) {
      await admin.end();
      throw new Error(`Postgres at DATABASE_URL is not usable for tests: ${(err as Error).message}`);
    }
    const url = new URL(external);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    step(`Postgres at DATABASE_URL: created database ${name} for this run`);
    teardown.push(async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    });
  } else {
    step("no DATABASE_URL: starting an embedded Postgres");
    const dir = await mkdtemp(join(tmpdir(), "switchboard-test-"));
    const embedded = await startEmbeddedPostgres(dir);
    databaseUrl = embedded.url;
    step("embedded Postgres ready");
    teardown.push(async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    });
  }

  const handle = createDatabase(databaseUrl, { max: 1 });
  await runMigrations(handle.db);
  await handle.close();
  step("migrations applied");

  const redisUrl = process.env.REDIS_URL || undefined;
  const redisPrefix = `sbtest:${runId}:`;
  if (redisUrl) {
    const cache = createRedisCache({ url: redisUrl, commandTimeoutMs: 2000 });
    try {
      await waitForRedis(cache.client, 5000);
    } catch (err) {
      await cache.close();
      throw new Error(`Redis at REDIS_URL is not reachable: ${(err as Error).message}`);
    }
    step(`Redis at REDIS_URL: keys of this run start with ${redisPrefix}`);
    teardown.push(async () => {
      let cursor = "0";
      do {
        const [next, keys] = await cache.client.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await cache.client.del(...keys);
      } while (cursor !== "0");
      await cache.close();
    });
  }

  if (!redisUrl) step("no REDIS_URL: each test app uses the in-process cache");

  const logDir = await mkdtemp(join(tmpdir(), "switchboard-logs-"));
  // First in the list, so it runs last: after the services have stopped.
  teardown.unshift(async () => {
    const files = (await readdir(logDir)).map((f) => join(logDir, f));
    const findings: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, "utf8")).split("\n");
      for (const f of scanLogLines(lines, LOGGED_SECRETS)) findings.push(`${file}:${f.line}: ${f.what}`);
    }
    await rm(logDir, { recursive: true, force: true });
    if (findings.length > 0) {
      // A failing teardown alone leaves vitest's exit code at 0: set it, then report.
      process.exitCode = 1;
      throw new Error(`The test run's logs hold what must never be logged:\n  ${findings.slice(0, 20).join("\n  ")}`);
    }
  });

  project.provide("databaseUrl", databaseUrl);
  project.provide("logDir", logDir);
  project.provide("databaseKind", external ? "postgres" : "embedded");
  project.provide("redisUrl", redisUrl);
  project.provide("redisPrefix", redisPrefix);

  return async () => {
    // Every step runs even if one fails (services must stop); the first failure is reported.
    let failure: unknown;
    for (const fn of teardown.reverse()) {
      try {
        await fn();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure) throw failure;
  };
}
