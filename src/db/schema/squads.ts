import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Which squad members served a call, one row each time a member took the caller (a caller handed
 * back to an earlier member has a row for each turn), keyed by Vapi's call id (the same key as
 * `calls`, written independently of it: a member may be recorded before the call's first status
 * update) and Vapi's message time. The entry member is written when assistant-request serves the
 * squad; the others when this server decides a handoff to them or Vapi reports one
 * (`transfer-update`). Repeated deliveries change nothing: the same message has the same time, and
 * a member next to a row of itself is the same turn (src/services/call-members.ts).
 */
export const callMembers = pgTable(
  "call_members",
  {
    callId: text("call_id").notNull(),
    member: text("member").notNull(),
    squad: text("squad").notNull(),
    /** "entry": answered the call; "handoff": took it over from `fromMember`. */
    via: text("via", { enum: ["entry", "handoff"] }).notNull(),
    fromMember: text("from_member"),
    /** Why the handoff happened (the model's reason, or the rule that matched); redacted. */
    reason: text("reason"),
    /** Vapi's message time (this server's clock when Vapi sent none), never the database's. */
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.callId, t.joinedAt, t.member] })],
);
