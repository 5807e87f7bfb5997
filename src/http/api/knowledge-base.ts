/**
 * REST routes for the knowledge base, mounted under `/api` behind its bearer token: documents
 * upserted by source (chunked and indexed at once; cached searches invalidated once committed),
 * listed, removed, and a search that answers exactly what `knowledge-base-request` would.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { AppDeps } from "../../deps.ts";
import { inTransaction } from "../../services/context.ts";
import {
  deleteDocument,
  findDocument,
  listDocuments,
  MAX_DOCUMENT_CHARS,
  upsertDocument,
} from "../../services/knowledge-base/documents.ts";
import { searchKnowledgeBase } from "../../services/knowledge-base/search.ts";
import { jsonError } from "../errors.ts";
import {
  errorResponses as errors,
  jsonResponse as json,
  notFoundResponse as notFound,
  restApp as routeGroup,
  bearerSecurity as security,
} from "./app.ts";

const Source = z.string().trim().min(1).max(300);
const DocumentIn = z
  .object({
    source: Source.describe("Where it comes from (a file path, a URL, your own key); upserting it again replaces the document.").openapi({
      example: "faq.md",
    }),
    content: z.string().min(1).max(MAX_DOCUMENT_CHARS).describe("Markdown or plain text."),
    title: z.string().trim().min(1).max(200).optional().describe("Default: the first `# ` heading, else the source."),
    language: z
      .string()
      .regex(/^[a-z_]{2,30}$/)
      .optional()
      .describe("A Postgres text search configuration: english (default), french, german, spanish, simple, ..."),
  })
  .openapi("KnowledgeDocumentUpsert");
const DocumentOut = z
  .object({ source: z.string(), title: z.string(), language: z.string(), chunks: z.number().int(), updatedAt: z.string() })
  .openapi("KnowledgeDocument");
const SourceQuery = z.object({ source: Source.openapi({ param: { name: "source", in: "query" } }) });

export const knowledgeBaseRoutes = {
  list: createRoute({
    method: "get",
    path: "/knowledge-base/documents",
    summary: "Every document of the knowledge base, with its number of passages",
    security,
    responses: { 200: json(z.object({ documents: z.array(DocumentOut) }), "The documents"), ...errors },
  }),
  upsert: createRoute({
    method: "post",
    path: "/knowledge-base/documents",
    summary: "Add or replace a document: chunked and searchable at once",
    security,
    request: { body: { required: true, content: { "application/json": { schema: DocumentIn } } } },
    responses: { 200: json(DocumentOut.extend({ created: z.boolean() }), "The document"), ...errors },
  }),
  get: createRoute({
    method: "get",
    path: "/knowledge-base/document",
    summary: "One document, by source",
    security,
    request: { query: SourceQuery },
    responses: { 200: json(DocumentOut, "The document"), ...errors, ...notFound },
  }),
  remove: createRoute({
    method: "delete",
    path: "/knowledge-base/document",
    summary: "Remove a document, by source (removed: false when there was none)",
    security,
    request: { query: SourceQuery },
    responses: { 200: json(z.object({ source: z.string(), removed: z.boolean() }), "Done"), ...errors },
  }),
  search: createRoute({
    method: "get",
    path: "/knowledge-base/search",
    summary: "The passages knowledge-base-request would answer a question with",
    security,
    request: { query: z.object({ q: z.string().min(1).max(1000), limit: z.coerce.number().int().min(1).max(10).optional() }) },
    responses: {
      200: json(
        z.object({ documents: z.array(z.object({ content: z.string(), similarity: z.number(), uuid: z.string() })) }),
        "Vapi's documents shape",
      ),
      ...errors,
    },
  }),
};

/** The routes, for `app.route("/", ...)` inside the REST API (which authenticates them). */
export function knowledgeBaseApi(deps: AppDeps) {
  const app = routeGroup();
  const base = () => ({
    db: deps.db,
    cache: deps.cache,
    clock: deps.clock,
    logger: deps.logger,
    timeZone: deps.config.BUSINESS_TIMEZONE,
    metrics: deps.metrics,
  });
  app.openapi(knowledgeBaseRoutes.list, async (c) => c.json({ documents: await listDocuments(deps.db) }, 200));
  app.openapi(knowledgeBaseRoutes.upsert, async (c) => {
    const result = await inTransaction(base(), (ctx) => upsertDocument(ctx, c.req.valid("json")));
    if (!result.ok) return jsonError(c, result.error.kind, result.error.message) as never;
    deps.logger.info("knowledge-base document stored", { chunks: result.value.chunks, created: result.value.created });
    return c.json(result.value, 200);
  });
  app.openapi(knowledgeBaseRoutes.get, async (c) => {
    const found = await findDocument(deps.db, c.req.valid("query").source);
    return (found.ok ? c.json(found.value, 200) : jsonError(c, "not_found", found.error.message)) as never;
  });
  app.openapi(knowledgeBaseRoutes.remove, async (c) =>
    c.json(await inTransaction(base(), (ctx) => deleteDocument(ctx, c.req.valid("query").source)), 200),
  );
  app.openapi(knowledgeBaseRoutes.search, async (c) => {
    const { q, limit } = c.req.valid("query");
    return c.json({ documents: await searchKnowledgeBase(base(), q, limit ?? deps.config.KB_TOP_K) }, 200);
  });
  return app;
}
