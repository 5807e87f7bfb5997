import { existsSync } from "node:fs";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  /** A postgres:// URL the ordinary driver connects to. */
  url: string;
  /** True when this start created the data directory (the first start takes longest). */
  created: boolean;
  stop(): Promise<void>;
}

/** Raised when the embedded database cannot be opened; the message says why and what to do. */
export class EmbeddedDatabaseError extends Error {
  override name = "EmbeddedDatabaseError";
}

/**
 * Starts PGlite (PostgreSQL compiled to WASM) on a data directory and serves it over the
 * Postgres wire protocol on a free loopback port, so the app uses the same driver everywhere.
 * PGlite has a single session: clients must open one connection at a time (pool size 1).
 *
 * PGlite does not lock its directory, and a second process opening it aborts deep inside WASM.
 * A lock file beside the directory (`<dataDir>.lock`, holding the owner's pid) turns that into a
 * message naming the process; a lock left by a process that is gone is taken over.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const created = !existsSync(dataDir);
  await mkdir(dataDir, { recursive: true });
  const release = await lockDirectory(dataDir);
  let pg: PGlite;
  try {
    pg = await PGlite.create({ dataDir });
  } catch (err) {
    await release();
    throw new EmbeddedDatabaseError(
      `The embedded database in ${dataDir} could not be opened (${(err as Error).message}). ` +
        `If an earlier run was killed while writing, move ${dataDir} away to start with a fresh database (the demo data is seeded again), ` +
        "or set DATABASE_URL to use a Postgres server.",
    );
  }
  const server = new PGLiteSocketServer({ db: pg, host: "127.0.0.1", port: 0, maxConnections: 1 });
  await server.start();
  const conn = server.getServerConn();
  return {
    url: `postgres://postgres:postgres@${conn}/postgres`,
    created,
    async stop() {
      await server.stop();
      await pg.close();
      await release();
    },
  };
}

async function lockDirectory(dataDir: string): Promise<() => Promise<void>> {
  const lockFile = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const owner = Number((await readFile(lockFile, "utf8").catch(() => "")).trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new EmbeddedDatabaseError(
          `Another Switchboard (process ${owner}) is using the embedded database in ${dataDir}. ` +
            "Stop it first, or give this one its own folder with DATA_DIR=<another folder>.",
        );
      }
      // The owner is gone (killed, or a crash): the lock is stale.
      await rm(lockFile, { force: true });
    }
  }
  throw new EmbeddedDatabaseError(`Could not take the lock ${lockFile} for the embedded database.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
