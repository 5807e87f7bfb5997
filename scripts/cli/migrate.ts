/** `npm run db:migrate`: applies pending migrations to DATABASE_URL (for real deployments) and says which. */
import { parseConfig } from "../../src/config.ts";
import { createDatabase } from "../../src/db/client.ts";
import { migrationStatus, runMigrations } from "../../src/db/migrate.ts";

const config = parseConfig(process.env);
if (!config.DATABASE_URL) {
  process.stderr.write("DATABASE_URL is not set: the embedded database is migrated by `npm start` itself.\n");
  process.exit(1);
}
const { db, close } = createDatabase(config.DATABASE_URL, { max: 1 });
try {
  const applied = await runMigrations(db);
  const { applied: all } = await migrationStatus(db);
  process.stdout.write(
    applied.length > 0
      ? `Applied ${applied.length} migration(s): ${applied.join(", ")}.\n`
      : `The schema is current: nothing to apply (${all.length} migrations applied earlier, newest ${all.at(-1) ?? "none"}).\n`,
  );
} catch (err) {
  const e = err as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  process.stderr.write(`Migrations failed: ${e.cause?.message ?? e.message} (${e.cause?.code ?? e.code ?? "no code"}).\n`);
  process.exitCode = 1;
} finally {
  await close();
}
