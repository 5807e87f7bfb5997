import { index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per side-effecting tool call, keyed by Vapi's toolCallId. It is the idempotency log
 * (a repeated delivery returns `response` and does nothing else) and the record of what the
 * agent did on each call. The row is written in the same transaction as the tool's own writes.
 */
export const toolCalls = pgTable(
  "tool_calls",
  {
    toolCallId: text("tool_call_id").primaryKey(),
    callId: text("call_id"),
    toolName: text("tool_name").notNull(),
    callerNumber: text("caller_number"),
    outcome: text("outcome", { enum: ["result", "error"] }).notNull(),
    /** Exactly what Vapi was answered for this call: `{ result }` or `{ error }`. */
    response: jsonb("response").$type<{ result?: string; error?: string }>().notNull(),
    durationMs: integer("duration_ms").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("tool_calls_call_id_idx").on(t.callId)],
);
