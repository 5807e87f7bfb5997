/**
 * Loading the knowledge base: a document is upserted by its `source` and re-chunked in the same
 * transaction; every change invalidates the cached searches and the "has documents" state once it
 * has committed, so the next question is answered from the new text.
 */
import { asc, count, eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import type { Database } from "../../db/client.ts";
import { kbChunks, kbDocuments } from "../../db/schema/index.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";
import { chunkDocument } from "./chunking.ts";

/** The longest document accepted, by the REST API and `npm run kb:load` alike. */
export const MAX_DOCUMENT_CHARS = 500_000;

export interface DocumentInput {
  /** Where it comes from (a file path, a URL, your own key): a second upsert of it replaces the document. */
  source: string;
  /** Markdown or plain text. */
  content: string;
  /** Overrides the first `# ` heading. */
  title?: string | undefined;
  /** A Postgres text search configuration ("english", "french", "simple"); default english. */
  language?: string | undefined;
}

export interface DocumentSummary {
  source: string;
  title: string;
  language: string;
  chunks: number;
  updatedAt: string;
}

/** Whether Postgres has this text search configuration. */
export async function isTextSearchLanguage(db: Database, language: string): Promise<boolean> {
  const rows = await db.execute<{ ok: boolean }>(sql`select exists(select 1 from pg_ts_config where cfgname = ${language}) as ok`);
  return rows[0]?.ok === true;
}

/** Creates or replaces a document and its passages. */
export async function upsertDocument(ctx: ServiceContext, input: DocumentInput): Promise<Result<DocumentSummary & { created: boolean }>> {
  const language = (input.language ?? "english").toLowerCase();
  if (!(await isTextSearchLanguage(ctx.db, language))) {
    return fail(
      "invalid",
      `"${language}" is not a text search language of this database (try english, french, german, spanish or simple).`,
    );
  }
  const parsed = chunkDocument(input.content, input.title ?? input.source);
  const title = input.title?.trim() || parsed.title;
  const [doc] = await ctx.db
    .insert(kbDocuments)
    .values({ source: input.source, title, language, content: input.content })
    .onConflictDoUpdate({
      target: kbDocuments.source,
      set: { title, language, content: input.content, updatedAt: sql`now()` },
    })
    .returning({ id: kbDocuments.id, updatedAt: kbDocuments.updatedAt, created: sql<boolean>`(xmax = 0)` });
  await ctx.db.delete(kbChunks).where(eq(kbChunks.documentId, doc!.id));
  if (parsed.chunks.length > 0) {
    await ctx.db
      .insert(kbChunks)
      .values(parsed.chunks.map((c, ordinal) => ({ documentId: doc!.id, ordinal, heading: c.heading, content: c.content, language })));
  }
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.knowledgeBase()], ctx.logger));
  return ok({
    source: input.source,
    title,
    language,
    chunks: parsed.chunks.length,
    updatedAt: doc!.updatedAt.toISOString(),
    created: doc!.created,
  });
}

/** Removes a document and its passages; `removed` is false when there was none. */
export async function deleteDocument(ctx: ServiceContext, source: string): Promise<{ source: string; removed: boolean }> {
  const removed = await ctx.db.delete(kbDocuments).where(eq(kbDocuments.source, source)).returning({ id: kbDocuments.id });
  if (removed.length > 0) ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.knowledgeBase()], ctx.logger));
  return { source, removed: removed.length > 0 };
}

/** Every document, by source, with its number of passages. */
export async function listDocuments(db: Database): Promise<DocumentSummary[]> {
  const rows = await db
    .select({
      source: kbDocuments.source,
      title: kbDocuments.title,
      language: sql<string>`${kbDocuments.language}::text`,
      updatedAt: kbDocuments.updatedAt,
      chunks: count(kbChunks.id),
    })
    .from(kbDocuments)
    .leftJoin(kbChunks, eq(kbChunks.documentId, kbDocuments.id))
    .groupBy(kbDocuments.id)
    .orderBy(asc(kbDocuments.source));
  return rows.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() }));
}

/** Whether a document with `source` exists. */
export async function findDocument(db: Database, source: string): Promise<Result<DocumentSummary>> {
  const all = await listDocuments(db);
  const found = all.find((d) => d.source === source);
  return found ? ok(found) : fail("not_found", `No document "${source}" in the knowledge base.`);
}
