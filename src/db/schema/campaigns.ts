import { boolean, index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Numbers that asked not to be called (managed over `/api/do-not-call`, or added by the
 * `opt_out_of_calls` tool when a callee says "stop calling me"). `campaign.predial` refuses them.
 */
export const doNotCall = pgTable("do_not_call", {
  /** The number, E.164. */
  number: text("number").primaryKey(),
  /** Where the entry came from: "api" (your team) or "call" (the callee asked on a call). */
  source: text("source", { enum: ["api", "call"] }).notNull(),
  /** Why (for your team; never spoken). */
  reason: text("reason"),
  /** The call the callee asked on, for "call" entries. */
  callId: text("call_id"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const PREDIAL_REFUSALS = [
  "invalid_number",
  "unknown_region",
  "outside_calling_hours",
  "do_not_call",
  "attempt_limit",
  "decision_failed",
] as const;
export type PredialRefusal = (typeof PREDIAL_REFUSALS)[number];

/**
 * Every `campaign.predial` decision: eligible ones are the attempts the daily limit counts, and
 * every refusal carries its reason, so a business can answer "why was this contact skipped?".
 */
export const predialDecisions = pgTable(
  "predial_decisions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    campaignId: text("campaign_id").notNull(),
    /** Vapi's contact id. */
    contactId: text("contact_id"),
    number: text("number").notNull(),
    eligible: boolean("eligible").notNull(),
    /** Why the contact was refused; null when eligible. */
    reason: text("reason", { enum: PREDIAL_REFUSALS }),
    /** The callee's local time zone(s) the calling hours were checked in. */
    timeZones: text("time_zones"),
    decidedAt: timestamp("decided_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("predial_decisions_number_idx").on(t.number, t.decidedAt),
    index("predial_decisions_campaign_idx").on(t.campaignId, t.decidedAt),
  ],
);
