/**
 * Answering a question from the knowledge base with Postgres full-text search: the question is
 * parsed with `websearch_to_tsquery` in each language the documents use (stemming and stop words
 * of that language; quoted phrases and -exclusions work), its terms joined with OR rather than
 * AND (a spoken question has words no passage contains; an exclusion stays an AND NOT), matched through the GIN index on the
 * generated `tsv` column, and ranked with `ts_rank` (headings weigh more; `ts_rank_cd`, cover density, costs ten times as much on a question whose words are everywhere). Results are cached
 * per normalized question until any document changes.
 */
import { sql } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import type { ReadContext } from "../context.ts";

/** Vapi's `documents` item (KnowledgeBaseResponseDocument). */
export interface KnowledgeDocument {
  content: string;
  /** 0 to 1: the passage's rank, normalized. */
  similarity: number;
  /** The passage's id. */
  uuid: string;
}

export interface KnowledgeBaseState {
  documents: number;
  languages: string[];
}

/** Longer questions are cut: the words that matter come early, and keys stay short. */
const MAX_QUERY_CHARS = 300;

/** What is searched and cached: lower case, single spaces, at most MAX_QUERY_CHARS. */
export function normalizeQuestion(text: string): string {
  return text.toLowerCase().replace(/\s+/g, " ").trim().slice(0, MAX_QUERY_CHARS);
}

/** How many documents the knowledge base has and in which languages (cached until a document changes). */
export function knowledgeBaseState(ctx: ReadContext): Promise<KnowledgeBaseState> {
  return namespaces.knowledgeBaseState.read(ctx, "", async () => {
    const rows = await ctx.db.execute<{ language: string; n: number }>(
      sql`select language::text as language, count(*)::int as n from kb_documents group by language order by language`,
    );
    return { documents: rows.reduce((sum, r) => sum + Number(r.n), 0), languages: rows.map((r) => r.language) };
  });
}

/** The `limit` best passages for `question`, best first; none when nothing matches. */
export async function searchKnowledgeBase(ctx: ReadContext, question: string, limit: number): Promise<KnowledgeDocument[]> {
  const query = normalizeQuestion(question);
  if (!query) return [];
  const state = await knowledgeBaseState(ctx);
  if (state.documents === 0) return [];
  return namespaces.knowledgeSearch.read(ctx, `${limit}:${query}`, () => rankedPassages(ctx, state.languages, query, limit));
}

async function rankedPassages(ctx: ReadContext, languages: readonly string[], query: string, limit: number) {
  // One OR-ed tsquery per language, each matched only against passages of that language, so the
  // GIN index serves every branch.
  const branches = languages.map(
    (language) =>
      sql`select id, content, heading, ts_rank(tsv, q, 32) as rank from kb_chunks,
            cast(regexp_replace(websearch_to_tsquery(${language}::regconfig, ${query})::text, ' & (?!!)', ' | ', 'g') as tsquery) as q
          where language = ${language}::regconfig and numnode(q) > 0 and tsv @@ q`,
  );
  if (branches.length === 0) return [];
  const union = sql.join(branches, sql` union all `);
  const rows = await ctx.db.execute<{ id: string; content: string; heading: string; rank: number }>(
    sql`select id, content, heading, rank from (${union}) hits order by rank desc, id limit ${limit}`,
  );
  return rows.map((r) => ({
    content: `${r.heading}\n${r.content}`,
    similarity: Math.round(Math.min(1, Math.max(0, Number(r.rank))) * 1000) / 1000,
    uuid: r.id,
  }));
}
