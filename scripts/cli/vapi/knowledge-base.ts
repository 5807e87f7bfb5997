/**
 * Whether the assistant and squad members `npm run vapi` stores name this server's custom
 * knowledge base. A stored assistant cannot be given it per call (assistant-request answers it by
 * id), so sync decides once: `--knowledge-base on|off`, or by default whether the knowledge base
 * at DATABASE_URL has documents (none: Vapi would ask before every answer for nothing).
 */
import { sql } from "drizzle-orm";
import { createDatabase, type Database } from "../../../src/db/client.ts";

export type KnowledgeBaseChoice = "on" | "off" | "auto";

export const KNOWLEDGE_BASE_CHOICES: readonly KnowledgeBaseChoice[] = ["on", "off", "auto"];

/** The decision and the line that says why; `db` (tests) is counted instead of DATABASE_URL's. */
export async function knowledgeBaseDecision(
  choice: KnowledgeBaseChoice,
  databaseUrl: string | undefined,
  db?: Database,
): Promise<{ knowledgeBase: boolean; reason: string }> {
  if (choice === "on") return { knowledgeBase: true, reason: "on (--knowledge-base on)" };
  if (choice === "off") return { knowledgeBase: false, reason: "off (--knowledge-base off)" };
  if (!databaseUrl && !db) {
    return {
      knowledgeBase: false,
      reason: "off: DATABASE_URL is not set, so its documents cannot be counted (set it, or pass --knowledge-base on)",
    };
  }
  const database = db ? undefined : createDatabase(databaseUrl!, { max: 1 });
  try {
    const [row] = await (db ?? database!.db).execute<{ n: number }>(sql`select count(*)::int as n from kb_documents`);
    const n = Number(row?.n ?? 0);
    return n > 0
      ? { knowledgeBase: true, reason: `on: ${n} document(s) at DATABASE_URL` }
      : { knowledgeBase: false, reason: "off: no documents at DATABASE_URL yet (load some, then apply again)" };
  } catch (err) {
    throw new Error(
      `Cannot count the knowledge base's documents at DATABASE_URL (${err instanceof Error ? err.message : String(err)}); pass --knowledge-base on or off.`,
    );
  } finally {
    await database?.close();
  }
}
