import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import journalFile from "../../migrations/meta/_journal.json" with { type: "json" };
import type { Database } from "./client.ts";

/**
 * Where drizzle-kit writes the SQL migrations: `migrations/` at the project root, seen from this
 * file in `src/db/` or from the bundle in `dist/`.
 */
export const migrationsFolder =
  [new URL("../../migrations", import.meta.url), new URL("../migrations", import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(dir)) ?? fileURLToPath(new URL("../../migrations", import.meta.url));

/** Which migrations a database has and which it still needs, by their drizzle-kit tags. */
export interface MigrationStatus {
  applied: string[];
  pending: string[];
}

interface JournalEntry {
  tag: string;
  when: number;
}

/** drizzle-kit's journal of the migrations, bundled in (a production bundle may run far from the folder). */
function journal(): JournalEntry[] {
  return (journalFile as { entries: JournalEntry[] }).entries;
}

/**
 * Reads the status the way drizzle's migrator decides it: a migration is pending when it is newer
 * than the newest one recorded in `drizzle.__drizzle_migrations` (all are, before the first run).
 */
export async function migrationStatus(db: Database): Promise<MigrationStatus> {
  const entries = journal();
  let newest = -1;
  try {
    const rows = await db.execute<{ created_at: string | number }>(
      sql`select created_at from drizzle.__drizzle_migrations order by created_at desc limit 1`,
    );
    if (rows[0]) newest = Number(rows[0].created_at);
  } catch (err) {
    // No migrations table yet (SQLSTATE 42P01 undefined table, 3F000 undefined schema): nothing applied.
    const code = (err as { code?: string; cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
    if (code !== "42P01" && code !== "3F000") throw err;
  }
  return {
    applied: entries.filter((e) => e.when <= newest).map((e) => e.tag),
    pending: entries.filter((e) => e.when > newest).map((e) => e.tag),
  };
}

/** Applies every pending migration and returns the tags it applied. Safe to run repeatedly. Node only (it reads the folder). */
export async function runMigrations(db: Database): Promise<string[]> {
  const { pending } = await migrationStatus(db);
  if (pending.length > 0) await migrate(db, { migrationsFolder });
  return pending;
}
