/**
 * Listing ended calls' records for the business's own systems, newest first, optionally only those whose
 * structured outputs contain given values ("every call needing a follow-up"). The filter is jsonb
 * containment (`@>`), which the GIN index on `calls.structured_outputs` answers.
 */
import { and, desc, isNotNull, type SQL, sql } from "drizzle-orm";
import { calls } from "../../db/schema/index.ts";
import type { ReadContext } from "../context.ts";

export interface CallListQuery {
  /** Results the calls' structured outputs must contain, by key (nested objects for fields; arrays: "includes"). */
  outputs?: Record<string, unknown> | undefined;
  /** Where the page starts: after this call in the order (the previous page's `next`, see `pageCursor`). */
  after?: PageCursor | undefined;
  limit: number;
}

/** A call as listed: the record without its transcript. */
export interface ListedCall {
  callId: string;
  callerNumber: string | null;
  phoneNumberId: string | null;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  endedReason: string | null;
  durationSeconds: number | null;
  cost: number | null;
  summary: string | null;
  structuredOutputs: Record<string, unknown> | null;
}

/** A position in the list: the last call of a page. */
export interface PageCursor {
  endedAt: string;
  callId: string;
}

/** The cursor as a token for a URL (`<endedAt>~<callId>`; treat it as opaque), and back (undefined when it is not one). */
export const pageCursor = {
  encode: (c: PageCursor) => `${c.endedAt}~${c.callId}`,
  decode(token: string): PageCursor | undefined {
    const at = token.indexOf("~");
    const endedAt = token.slice(0, at);
    const callId = token.slice(at + 1);
    // The call id goes into a query: a NUL (which Postgres text cannot hold) makes it no cursor.
    if (
      at < 0 ||
      callId === "" ||
      callId.includes("\u0000") ||
      !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(endedAt) ||
      Number.isNaN(Date.parse(endedAt))
    )
      return undefined;
    return { endedAt, callId };
  },
};

/** The matching ended calls, newest end first, and the cursor of the next page (undefined: no more). */
export async function listCalls(ctx: Pick<ReadContext, "db">, query: CallListQuery): Promise<{ calls: ListedCall[]; next?: PageCursor }> {
  const where: SQL[] = [isNotNull(calls.endedAt)];
  if (query.outputs && Object.keys(query.outputs).length > 0) {
    where.push(sql`${calls.structuredOutputs} @> ${JSON.stringify(query.outputs)}::jsonb`);
  }
  if (query.after) where.push(sql`(${calls.endedAt}, ${calls.callId}) < (${query.after.endedAt}::timestamptz, ${query.after.callId})`);
  const rows = await ctx.db
    .select({
      callId: calls.callId,
      callerNumber: calls.callerNumber,
      phoneNumberId: calls.phoneNumberId,
      status: calls.status,
      startedAt: calls.startedAt,
      endedAt: calls.endedAt,
      endedReason: calls.endedReason,
      durationSeconds: calls.durationSeconds,
      cost: calls.cost,
      summary: calls.summary,
      structuredOutputs: calls.structuredOutputs,
    })
    .from(calls)
    .where(and(...where))
    .orderBy(desc(calls.endedAt), desc(calls.callId))
    // One more than asked: whether there is a next page.
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit).map((r) => ({
    ...r,
    startedAt: r.startedAt?.toISOString() ?? null,
    endedAt: r.endedAt?.toISOString() ?? null,
  }));
  const last = page.at(-1);
  return rows.length > query.limit && last?.endedAt
    ? { calls: page, next: { endedAt: last.endedAt, callId: last.callId } }
    : { calls: page };
}
