import { sql } from "drizzle-orm";
import { customType, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/** Postgres' text search configuration name ("english", "french", "simple"). */
const regconfig = customType<{ data: string }>({ dataType: () => "regconfig" });
const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

/**
 * The business's own documents (FAQ, policies, service descriptions) the assistant answers from
 * through Vapi's custom knowledge base. Loaded over `/api/knowledge-base/documents` or with
 * `npm run kb:load <folder>`, addressed by `source` (a file path or your own key), and split into
 * `kbChunks` for search.
 */
export const kbDocuments = pgTable(
  "kb_documents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    source: text("source").notNull(),
    title: text("title").notNull(),
    /** The text search configuration its words are stemmed with. */
    language: regconfig("language").notNull().default(sql`'english'::regconfig`),
    content: text("content").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("kb_documents_source_uq").on(t.source)],
);

/**
 * Passages of a document, searched with Postgres full-text search: `tsv` is generated from the
 * heading (weight A) and the text (weight B) in the document's language, under a GIN index.
 */
export const kbChunks = pgTable(
  "kb_chunks",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    documentId: uuid("document_id")
      .notNull()
      .references(() => kbDocuments.id, { onDelete: "cascade" }),
    ordinal: integer("ordinal").notNull(),
    /** Where in the document: "Title > Section". */
    heading: text("heading").notNull(),
    content: text("content").notNull(),
    language: regconfig("language").notNull(),
    tsv: tsvector("tsv")
      .notNull()
      .generatedAlwaysAs(sql`setweight(to_tsvector(language, heading), 'A') || setweight(to_tsvector(language, content), 'B')`),
  },
  (t) => [index("kb_chunks_tsv_idx").using("gin", t.tsv), index("kb_chunks_document_idx").on(t.documentId, t.ordinal)],
);
