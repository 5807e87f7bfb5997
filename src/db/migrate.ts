import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Database } from "./client.ts";

/**
 * Where drizzle-kit writes the SQL migrations: `migrations/` at the project root, seen from this
 * file in `src/db/` or from the bundle in `dist/`.
 */
export const migrationsFolder =
  [new URL("../../migrations", import.meta.url), new URL("../migrations", import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(dir)) ?? fileURLToPath(new URL("../../migrations", import.meta.url));

/** Applies every pending migration. Safe to run repeatedly. Node only (it reads the folder). */
export async function runMigrations(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder });
}
