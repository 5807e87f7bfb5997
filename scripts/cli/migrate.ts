/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (for real deployments). */
import { parseConfig } from "../../src/config.ts";
import { createDatabase } from "../../src/db/client.ts";
import { runMigrations } from "../../src/db/migrate.ts";

const config = parseConfig(process.env);
if (!config.DATABASE_URL) {
  process.stderr.write("DATABASE_URL is not set: the embedded database is migrated by `npm start` itself.\n");
  process.exit(1);
}
const { db, close } = createDatabase(config.DATABASE_URL, { max: 1 });
try {
  await runMigrations(db);
  process.stdout.write("Migrations applied.\n");
} finally {
  await close();
}
