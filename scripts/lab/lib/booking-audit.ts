/** Checks on the database after faults (tests and the soak run): nothing lost, nothing half-written. */
import { inArray, sql } from "drizzle-orm";
import type { Database } from "../../../src/db/client.ts";
import { appointments } from "../../../src/db/schema/index.ts";

/** The confirmation codes among `codes` that Postgres holds. */
export async function storedCodes(db: Database, codes: readonly string[]): Promise<Set<string>> {
  if (codes.length === 0) return new Set();
  const rows = await db
    .select({ code: appointments.confirmationCode })
    .from(appointments)
    .where(inArray(appointments.confirmationCode, [...codes]));
  return new Set(rows.map((r) => r.code));
}

/** Acknowledged codes missing from the database: must always be none. */
export async function lostCodes(db: Database, acknowledged: readonly string[]): Promise<string[]> {
  const stored = await storedCodes(db, acknowledged);
  return acknowledged.filter((c) => !stored.has(c));
}

/**
 * Every appointment has the tool_calls row of the booking that made it, and no tool_calls row is
 * a bare claim without its answer: the two are written in one transaction or not at all.
 */
export async function halfWrittenBookings(db: Database): Promise<{ withoutToolCall: number; claimsWithoutAnswer: number }> {
  const [orphans] = await db.execute<{ n: number }>(sql`
    select count(*)::int as n from appointments a
    where not exists (
      select 1 from tool_calls tc
      where tc.tool_name in ('book_appointment', 'reschedule_appointment') and tc.response->>'result' like '%' || a.confirmation_code || '%'
    )`);
  const [claims] = await db.execute<{ n: number }>(sql`select count(*)::int as n from tool_calls where response = '{}'::jsonb`);
  return { withoutToolCall: orphans!.n, claimsWithoutAnswer: claims!.n };
}
