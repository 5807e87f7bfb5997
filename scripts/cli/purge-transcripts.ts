/**
 * `npm run calls:purge`: deletes transcripts older than TRANSCRIPT_RETENTION_DAYS from DATABASE_URL.
 * The server already does this at most hourly after end-of-call reports; run this from cron (or a
 * Workers Cron Trigger calling `purgeOldTranscripts`) when calls are rare or retention is strict.
 */
import { parseConfig } from "../../src/config.ts";
import { createDatabase } from "../../src/db/client.ts";
import { purgeOldTranscripts } from "../../src/services/calls/records.ts";

const config = parseConfig(process.env);
if (!config.DATABASE_URL) {
  process.stderr.write("DATABASE_URL is not set: the embedded database is purged by the running server itself.\n");
  process.exit(1);
}
const { db, close } = createDatabase(config.DATABASE_URL, { max: 1 });
try {
  const purged = await purgeOldTranscripts(db, new Date(), config.TRANSCRIPT_RETENTION_DAYS);
  process.stdout.write(
    config.TRANSCRIPT_RETENTION_DAYS > 0
      ? `Deleted ${purged} transcript(s) older than ${config.TRANSCRIPT_RETENTION_DAYS} days.\n`
      : "TRANSCRIPT_RETENTION_DAYS is 0: transcripts are kept.\n",
  );
} finally {
  await close();
}
