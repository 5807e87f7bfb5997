import { sql } from "drizzle-orm";
import { doublePrecision, index, integer, jsonb, pgTable, smallint, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per Vapi call, keyed by Vapi's call id. Written by `status-update` and
 * `end-of-call-report` with an idempotent upsert: messages may arrive late, twice or out of
 * order, so the status only moves forward (`status_rank`) and report fields are set once.
 * Free text (transcript, summary, structured data and outputs) is redacted before it gets here; the
 * caller's own number lives only in `caller_number`. Tool invocations link by `tool_calls.call_id`.
 */
export const calls = pgTable(
  "calls",
  {
    callId: text("call_id").primaryKey(),
    callerNumber: text("caller_number"),
    phoneNumberId: text("phone_number_id"),
    /** scheduled, queued, ringing, in-progress, forwarding or ended; never moves backwards. */
    status: text("status").notNull(),
    /** Position of `status` in the call's life, so a late message cannot revert it. */
    statusRank: smallint("status_rank").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    endedReason: text("ended_reason"),
    durationSeconds: doublePrecision("duration_seconds"),
    cost: doublePrecision("cost"),
    summary: text("summary"),
    successEvaluation: text("success_evaluation"),
    structuredData: jsonb("structured_data").$type<Record<string, unknown>>(),
    /** The structured outputs' results by key (`assistant.config.ts`), redacted; `GET /api/calls?output.<key>=` filters on them. */
    structuredOutputs: jsonb("structured_outputs").$type<Record<string, unknown>>(),
    recordingUrl: text("recording_url"),
    /** Redacted transcript; set to null by the retention job after TRANSCRIPT_RETENTION_DAYS. */
    transcript: text("transcript"),
    transcriptPurgedAt: timestamp("transcript_purged_at", { withTimezone: true }),
    /** When the end-of-call report was first stored; a repeated report changes nothing else. */
    reportReceivedAt: timestamp("report_received_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("calls_caller_number_idx").on(t.callerNumber, t.endedAt),
    // The retention job scans only rows that still hold a transcript.
    index("calls_transcript_retention_idx").on(t.endedAt).where(sql`${t.transcript} is not null`),
    // Containment (`structured_outputs @> '{"followUpNeeded": true}'`) is what the REST filter asks.
    index("calls_structured_outputs_idx").using("gin", sql`${t.structuredOutputs} jsonb_path_ops`),
  ],
);

/**
 * What the business remembers about a caller across calls, keyed by their number (E.164).
 * Updated once per call from its end-of-call report, and by tools through `ctx.callerMemory`.
 */
export const callerMemory = pgTable("caller_memory", {
  callerNumber: text("caller_number").primaryKey(),
  /** How the caller likes to be addressed, when a tool learned it. */
  name: text("name"),
  /** Small facts tools chose to remember (preferred language, verified account, ...). */
  facts: jsonb("facts").$type<Record<string, unknown>>().notNull().default({}),
  callCount: integer("call_count").notNull().default(0),
  lastCallId: text("last_call_id"),
  lastCallAt: timestamp("last_call_at", { withTimezone: true }),
  /** The last call's summary, redacted. */
  lastSummary: text("last_summary"),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
