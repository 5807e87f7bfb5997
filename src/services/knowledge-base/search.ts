/**
 * Answering a question from the knowledge base with Postgres full-text search: the question is
 * parsed with `websearch_to_tsquery` in each language the documents use (stemming and stop words
 * of that language; quoted phrases and -exclusions work); passages matching all of it come
 * first, then those matching any of its less common words (a spoken question has words no
 * passage contains; words in most passages are left out of that second query), matched through
 * the GIN index on the generated `tsv` column and ranked with `ts_rank` (headings weigh more;
 * `ts_rank_cd`, cover density, cost ten times as much when a question's words are everywhere).
 * Results are cached per normalized question until any document changes.
 */
import { sql } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import { redactCardNumbers } from "../../lib/card-numbers.ts";
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

/**
 * What is searched and cached (the cache key holds it): lower case, single spaces, at most
 * MAX_QUERY_CHARS, without control characters (Postgres refuses NUL) and with any card number the
 * caller read out replaced, so none is ever stored in a key.
 */
export function normalizeQuestion(text: string): string {
  // Cut first (with room for a card number across the cut), then redact, then cut again.
  const cleaned = text.slice(0, MAX_QUERY_CHARS * 4).replace(/\p{Cc}/gu, " ");
  return redactCardNumbers(cleaned, " ").toLowerCase().replace(/\s+/g, " ").trim().slice(0, MAX_QUERY_CHARS);
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

/** Below this many passages every word counts: a small knowledge base has no "common" words. */
const COMMON_MIN_PASSAGES = 50;
/** A word in more than this share of a language's passages says little about which one answers. */
const COMMON_SHARE = 0.2;

/**
 * The words (lexemes) in more than COMMON_SHARE of a language's passages, left out of the broad
 * query: they would match most passages and cost a rank computation each while telling them apart
 * hardly at all (an inverse-document-frequency cut). Cached until a document changes.
 */
function commonWords(ctx: ReadContext, language: string): Promise<string[]> {
  return namespaces.knowledgeCommonWords.read(ctx, language, async () => {
    const rows = await ctx.db.execute<{ word: string }>(
      sql`with passages as (select count(*)::int as n from kb_chunks where language = ${language}::regconfig)
          select word from passages, ts_stat(format('select tsv from kb_chunks where language = %L::regconfig', ${language}::text))
          where passages.n >= ${COMMON_MIN_PASSAGES} and ndoc > passages.n * ${COMMON_SHARE}::float8`,
    );
    return rows.map((r) => r.word);
  });
}

/** The `limit` best passages for `question`, best first; none when nothing matches. */
export async function searchKnowledgeBase(ctx: ReadContext, question: string, limit: number): Promise<KnowledgeDocument[]> {
  const query = normalizeQuestion(question);
  // Nothing asked for: only exclusions ("-parking -refund") would otherwise match every passage.
  if (!/(?:^|\s)[^\s-]/.test(query)) return [];
  const state = await knowledgeBaseState(ctx);
  if (state.documents === 0) return [];
  return namespaces.knowledgeSearch.read(ctx, `${limit}:${query}`, async () => {
    const common = await Promise.all(state.languages.map((language) => commonWords(ctx, language)));
    return rankedPassages(ctx, state.languages, common, query, limit);
  });
}

/**
 * Per language, two tiers: passages matching the question as `websearch_to_tsquery` reads it
 * (every word, phrases, exclusions) first, then passages matching any of its words that are not
 * common (a spoken question has words no passage contains). Each branch is matched only against
 * passages of its language, through the GIN index.
 */
async function rankedPassages(ctx: ReadContext, languages: readonly string[], common: string[][], query: string, limit: number) {
  const branches = languages.map((language, i) => {
    const lang = sql`${language}::regconfig`;
    const skip = JSON.stringify(common[i] ?? []);
    return sql`(with precise as (
        select id, content, heading, ts_rank(tsv, q, 32) as rank, 0 as tier
          from kb_chunks, websearch_to_tsquery(${lang}, ${query}) as q
         where language = ${lang} and numnode(q) > 0 and tsv @@ q
      ), broad_query as (
        select string_agg(quote_literal(word), ' | ')::tsquery as q
          from unnest(tsvector_to_array(to_tsvector(${lang}, ${query}))) as word
         where word <> all(array(select jsonb_array_elements_text(${skip}::jsonb)))
      ), broad as (
        select id, content, heading, ts_rank(tsv, q, 32) as rank, 1 as tier
          from kb_chunks, broad_query
         where q is not null and language = ${lang} and tsv @@ q and id not in (select id from precise)
      )
      select * from precise union all select * from broad)`;
  });
  if (branches.length === 0) return [];
  const union = sql.join(branches, sql` union all `);
  const rows = await ctx.db.execute<{ id: string; content: string; heading: string; rank: number }>(
    // Rank 0: the passage matched only by what the question excludes ("-parking"), so it is no answer.
    sql`select id, content, heading, rank from (${union}) hits where rank > 0 order by tier, rank desc, id limit ${limit}`,
  );
  return rows.map((r) => ({
    // A card number in a document is never handed to the model to read out.
    content: redactCardNumbers(`${r.heading}\n${r.content}`, "[card number]"),
    similarity: Math.round(Math.min(1, Math.max(0, Number(r.rank))) * 1000) / 1000,
    uuid: r.id,
  }));
}
