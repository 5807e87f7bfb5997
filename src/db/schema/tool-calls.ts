import { integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One row per side-effecting tool call, keyed by the Vapi call and its toolCallId: a toolCallId
 * is only unique within its call (another call may reuse it, and must not get this row's answer).
 * It is the idempotency log (a repeated delivery returns `response` and does nothing else) and the
 * record of what the agent did on each call. The row is written in the same transaction as the
 * tool's own writes.
 */
export const toolCalls = pgTable(
  "tool_calls",
  {
    toolCallId: text("tool_call_id").notNull(),
    /** Vapi's call id; empty for a message that carried none (a test request, a malformed message). */
    callId: text("call_id").notNull().default(""),
    toolName: text("tool_name").notNull(),
    /** Who the answer belongs to: a delivery from another number is never given it. */
    callerNumber: text("caller_number"),
    outcome: text("outcome", { enum: ["result", "error"] }).notNull(),
    /** Exactly what Vapi was answered for this call: `{ result }` or `{ error }`. */
    response: jsonb("response").$type<{ result?: string; error?: string }>().notNull(),
    durationMs: integer("duration_ms").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // Call first: the call's tool calls are read by call id (the call record), which the key serves.
  (t) => [primaryKey({ name: "tool_calls_pkey", columns: [t.callId, t.toolCallId] })],
);
