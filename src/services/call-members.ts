/**
 * Which squad members served a call (`call_members`): written when assistant-request serves a
 * squad (its first member) and when a handoff is decided or reported, read with the call record.
 * One row each time a member takes the caller, so a caller handed back to an earlier member shows
 * every turn, ordered by Vapi's message time (not by when the write happened to land).
 * Vapi may deliver the same message twice, and reports a handoff this server decided again as a
 * `transfer-update`: a row is skipped when it has the same time as one already there, or when the
 * row just before or just after it in time is the same member (it is the same turn).
 */
import { asc, eq, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { callMembers } from "../db/schema/index.ts";
import { redactPersonalData } from "../lib/redaction.ts";

export interface CallMemberRecord {
  callId: string;
  squad: string;
  member: string;
  via: "entry" | "handoff";
  fromMember?: string | undefined;
  reason?: string | undefined;
  /** When it happened: Vapi's message time, else this server's clock. */
  at: Date;
}

/** Records that `member` took the caller at `record.at`; false when that turn was already recorded. */
export async function recordCallMember(db: Database, record: CallMemberRecord, callerNumber?: string): Promise<boolean> {
  return (await recordCallMembers(db, [{ record, callerNumber }])) > 0;
}

/** Records several turns (of any calls) in one statement; returns how many were new. */
export async function recordCallMembers(
  db: Database,
  rows: readonly { record: CallMemberRecord; callerNumber?: string | undefined }[],
): Promise<number> {
  // The same member of the same call twice in one statement (a retried assistant-request) is one
  // turn: the statement cannot see its own rows, so the earliest is kept here.
  const kept = new Map<string, { record: CallMemberRecord; callerNumber?: string | undefined }>();
  for (const row of rows) {
    const key = JSON.stringify([row.record.callId, row.record.member]);
    const seen = kept.get(key);
    if (!seen || row.record.at < seen.record.at) kept.set(key, row);
  }
  if (kept.size === 0) return 0;
  const values: SQL[] = [...kept.values()].map(({ record, callerNumber }) => {
    const reason = record.reason ? redactPersonalData(record.reason.slice(0, 2000), { callerNumber }).slice(0, 500) : null;
    return sql`(${record.callId}, ${record.member}, ${record.squad}, ${record.via}, ${record.fromMember ?? null}, ${reason}, ${record.at.toISOString()}::timestamptz)`;
  });
  const inserted = await db.execute<{ member: string }>(sql`
    insert into call_members (call_id, member, squad, via, from_member, reason, joined_at)
    select v.call_id, v.member, v.squad, v.via, v.from_member, v.reason, v.joined_at
    from (values ${sql.join(values, sql`, `)}) as v(call_id, member, squad, via, from_member, reason, joined_at)
    where not exists (
      select 1 from call_members c
      where c.call_id = v.call_id and c.member = v.member and (
        c.joined_at = (select max(p.joined_at) from call_members p where p.call_id = v.call_id and p.joined_at <= v.joined_at)
        or c.joined_at = (select min(n.joined_at) from call_members n where n.call_id = v.call_id and n.joined_at >= v.joined_at)
      )
    )
    on conflict do nothing
    returning member`);
  return inserted.length;
}

export interface CallMemberView {
  squad: string;
  member: string;
  via: "entry" | "handoff";
  fromMember: string | null;
  reason: string | null;
  joinedAt: string;
}

/** The members that served a call, in the order they took the caller (a member may appear more than once). */
export async function membersOfCall(db: Database, callId: string): Promise<CallMemberView[]> {
  const rows = await db
    .select()
    .from(callMembers)
    .where(eq(callMembers.callId, callId))
    .orderBy(asc(callMembers.joinedAt), asc(callMembers.via));
  return rows.map((r) => ({
    squad: r.squad,
    member: r.member,
    via: r.via,
    fromMember: r.fromMember,
    reason: r.reason,
    joinedAt: r.joinedAt.toISOString(),
  }));
}
