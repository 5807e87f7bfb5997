/**
 * `knowledge-base-request`: Vapi asks before the model answers, on an assistant whose
 * `model.knowledgeBase` is this server's custom knowledge base (served only when documents exist,
 * see ./assistant-request.ts and src/assistant/build.ts). Answered with the best passages for the caller's last words in
 * Vapi's `documents` shape, within KB_BUDGET_MS; no documents (the model answers on its own) when
 * nothing matches, the search fails or it runs out of time.
 */
import type { AppDeps } from "../deps.ts";
import { type KnowledgeDocument, knowledgeBaseState, searchKnowledgeBase } from "../services/knowledge-base/search.ts";
import type { VapiMessage } from "../vapi/envelope.ts";
import type { ServerTarget } from "../vapi/server-target.ts";

export async function answerKnowledgeBaseRequest(deps: AppDeps, message: VapiMessage): Promise<{ documents: KnowledgeDocument[] }> {
  const question = lastUserWords(message);
  if (!question) return { documents: [] };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deps.config.KB_BUDGET_MS);
  });
  const ctx = {
    db: deps.db,
    cache: deps.cache,
    clock: deps.clock,
    logger: deps.logger,
    timeZone: deps.config.BUSINESS_TIMEZONE,
    metrics: deps.metrics,
    defer: deps.defer,
  };
  const searching = searchKnowledgeBase(ctx, question, deps.config.KB_TOP_K);
  try {
    const found = await Promise.race([searching, expired]);
    if (found === "timeout") {
      searching.catch(() => {});
      deps.logger.warn("knowledge-base search missed its budget; answered without documents", { callId: message.call?.id });
      return { documents: [] };
    }
    deps.logger.info("knowledge base searched", { callId: message.call?.id, documents: found.length });
    return { documents: found };
  } finally {
    clearTimeout(timer);
  }
}

/** The caller's last turn: from `messagesOpenAIFormatted` (always sent), else `messages`. */
function lastUserWords(message: VapiMessage): string {
  for (const list of [message.messagesOpenAIFormatted, message.messages]) {
    if (!Array.isArray(list)) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i] as { role?: unknown; content?: unknown; message?: unknown } | null;
      if (m?.role !== "user") continue;
      const words = typeof m.content === "string" ? m.content : m.message;
      if (typeof words === "string" && words.trim()) return words;
    }
  }
  return "";
}

/**
 * Whether a served assistant names the custom knowledge base (`model.knowledgeBase`): not when
 * the knowledge base has no documents (Vapi would ask before every answer for nothing), when Vapi
 * would have no credential to reach this server with, or when the state is not known within
 * `budgetMs` (the call is answered without it rather than late).
 */
export async function knowledgeBaseInUse(deps: AppDeps, target: ServerTarget, budgetMs: number): Promise<boolean> {
  if (target.auth.kind === "none") return false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs);
  });
  const ctx = { db: deps.db, cache: deps.cache, clock: deps.clock, logger: deps.logger, timeZone: deps.config.BUSINESS_TIMEZONE };
  const looking = knowledgeBaseState({ ...ctx, metrics: deps.metrics, defer: deps.defer }).catch((err: unknown) => {
    deps.logger.warn("knowledge-base state unknown; assistant served without it", { err });
    return undefined;
  });
  try {
    const state = await Promise.race([looking, expired]);
    return state !== undefined && state.documents > 0;
  } finally {
    clearTimeout(timer);
  }
}
