/**
 * The do-not-call list: numbers `campaign.predial` never lets Vapi dial. Your team manages it over
 * `/api/do-not-call`; a callee who says "stop calling me" is added by the `opt_out_of_calls` tool.
 * Read inside the predial decision's transaction, uncached: a number added a moment ago must not
 * be dialed, and the decision is not on a caller's hot path.
 */
import { asc, eq } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { doNotCall } from "../../db/schema/index.ts";
import { fail, ok, type Result } from "../context.ts";
import { canonicalNumber } from "./callee-zones.ts";

/** The number as the list keeps it (one spelling per number). */
const listed = (number: string) => canonicalNumber(number) ?? number;

export interface DoNotCallEntry {
  number: string;
  source: "api" | "call";
  reason: string | null;
  callId: string | null;
  createdAt: string;
}

/**
 * Adds a number (an upsert that keeps the first entry: a second request is harmless). `created`
 * is false when it was already listed.
 */
export async function addToDoNotCall(
  db: Database,
  input: { number: string; source: "api" | "call"; reason?: string | null | undefined; callId?: string | undefined },
): Promise<DoNotCallEntry & { created: boolean }> {
  const [inserted] = await db
    .insert(doNotCall)
    .values({ number: listed(input.number), source: input.source, reason: input.reason?.trim() || null, callId: input.callId ?? null })
    .onConflictDoNothing()
    .returning();
  if (inserted) return { ...view(inserted), created: true };
  const [existing] = await db
    .select()
    .from(doNotCall)
    .where(eq(doNotCall.number, listed(input.number)));
  return { ...view(existing!), created: false };
}

/** Removes a number; `removed` is false when it was not listed. */
export async function removeFromDoNotCall(db: Database, number: string): Promise<{ number: string; removed: boolean }> {
  const removed = await db
    .delete(doNotCall)
    .where(eq(doNotCall.number, listed(number)))
    .returning({ number: doNotCall.number });
  return { number, removed: removed.length > 0 };
}

export async function findDoNotCall(db: Database, number: string): Promise<Result<DoNotCallEntry>> {
  const [row] = await db
    .select()
    .from(doNotCall)
    .where(eq(doNotCall.number, listed(number)));
  return row ? ok(view(row)) : fail("not_found", `${number} is not on the do-not-call list.`);
}

export async function listDoNotCall(db: Database): Promise<DoNotCallEntry[]> {
  return (await db.select().from(doNotCall).orderBy(asc(doNotCall.number))).map(view);
}

function view(row: typeof doNotCall.$inferSelect): DoNotCallEntry {
  return { number: row.number, source: row.source, reason: row.reason, callId: row.callId, createdAt: row.createdAt.toISOString() };
}
