import { boolean, doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * A call's latency as Vapi measured it (`artifact.performanceMetrics` of the end-of-call report),
 * keyed by Vapi's call id like `calls`, with what it is compared by: the preset served, how turns
 * ended (`adaptive`, `transcription`, `livekit`, ...), the phone number and the experiment arm.
 * Written once, in the report's transaction, only on its first delivery; numbers only.
 */
export const callLatencies = pgTable(
  "call_latencies",
  {
    callId: text("call_id").primaryKey(),
    preset: text("preset"),
    endpointingMode: text("endpointing_mode"),
    phoneNumberId: text("phone_number_id"),
    /** The experiment and arm the call was served in (docs/latency.md), when it was. */
    experiment: text("experiment"),
    arm: text("arm"),
    endedAt: timestamp("ended_at", { withTimezone: true }).notNull(),
    durationSeconds: doublePrecision("duration_seconds"),
    turns: integer("turns").notNull(),
    /** Times the assistant talked over the caller, and the caller over the assistant. */
    userInterrupted: integer("user_interrupted").notNull().default(0),
    assistantInterrupted: integer("assistant_interrupted").notNull().default(0),
    /** The call ended in a transfer to a person (Vapi's `endedReason`). */
    transferred: boolean("transferred").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("call_latencies_ended_at_idx").on(t.endedAt)],
);

/** One row per turn of a call in `call_latencies`, milliseconds per stage as Vapi reported them (null: not reported). */
export const callTurnLatencies = pgTable(
  "call_turn_latencies",
  {
    callId: text("call_id").notNull(),
    turn: integer("turn").notNull(),
    transcriberMs: doublePrecision("transcriber_ms"),
    endpointingMs: doublePrecision("endpointing_ms"),
    modelMs: doublePrecision("model_ms"),
    voiceMs: doublePrecision("voice_ms"),
    turnMs: doublePrecision("turn_ms"),
  },
  (t) => [primaryKey({ columns: [t.callId, t.turn] })],
);
