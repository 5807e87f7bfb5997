import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Which squad members served a call, one row per member, keyed by Vapi's call id (the same key as
 * `calls`, written independently of it: a member may be recorded before the call's first status
 * update). The entry member is written when assistant-request serves the squad; the others when
 * this server decides a handoff to them or Vapi reports one (`transfer-update`). Repeated
 * deliveries change nothing: the first record of a member in a call stands.
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
    joinedAt: timestamp("joined_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.callId, t.member] })],
);
