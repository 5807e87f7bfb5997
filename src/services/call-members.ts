/**
 * Which squad members served a call (`call_members`): written when assistant-request serves a
 * squad (its first member) and when a handoff is decided or reported, read with the call record.
 * Vapi may deliver the same message twice: the first record of a member in a call stands.
 */
import { asc, eq } from "drizzle-orm";
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
  /** When it happened (Vapi's message time when known). */
  at?: Date | undefined;
}

/** Records that `member` served the call; false when it was already recorded. */
export async function recordCallMember(db: Database, record: CallMemberRecord, callerNumber?: string): Promise<boolean> {
  const reason = record.reason ? redactPersonalData(record.reason, { callerNumber }).slice(0, 500) : null;
  const inserted = await db
    .insert(callMembers)
    .values({
      callId: record.callId,
      squad: record.squad,
      member: record.member,
      via: record.via,
      fromMember: record.fromMember ?? null,
      reason,
      ...(record.at ? { joinedAt: record.at } : {}),
    })
    .onConflictDoNothing()
    .returning({ member: callMembers.member });
  return inserted.length > 0;
}

export interface CallMemberView {
  squad: string;
  member: string;
  via: "entry" | "handoff";
  fromMember: string | null;
  reason: string | null;
  joinedAt: string;
}

/** The members that served a call, in the order they joined. */
export async function membersOfCall(db: Database, callId: string): Promise<CallMemberView[]> {
  const rows = await db.select().from(callMembers).where(eq(callMembers.callId, callId)).orderBy(asc(callMembers.joinedAt));
  return rows.map((r) => ({
    squad: r.squad,
    member: r.member,
    via: r.via,
    fromMember: r.fromMember,
    reason: r.reason,
    joinedAt: r.joinedAt.toISOString(),
  }));
}
