import { fileURLToPath } from "node:url";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Database } from "./client.ts";

/** Where drizzle-kit writes the SQL migrations. */
export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

/** Applies every pending migration. Safe to run repeatedly. Node only (it reads the folder). */
export async function runMigrations(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder });
}
