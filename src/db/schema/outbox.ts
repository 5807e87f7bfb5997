import { index, integer, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * Outgoing messages (SMS), written in the same transaction as the action that caused them, so a
 * message exists exactly when its action committed. A messenger delivers rows after commit; with
 * no SMS provider configured they stay `pending` here for a relay or an operator. A row still
 * `pending` with a provider configured is sent again (`next_attempt_at`): the provider certainly
 * did not take it (src/services/outbox.ts).
 */
export const outbox = pgTable(
  "outbox",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channel: text("channel", { enum: ["sms"] }).notNull(),
    recipient: text("recipient").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] })
      .notNull()
      .default("pending"),
    providerId: text("provider_id"),
    error: text("error"),
    toolCallId: text("tool_call_id"),
    /** Sends tried so far. */
    attempts: integer("attempts").notNull().default(0),
    /** When a pending row is due to be tried (again); null: as soon as it is committed. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [index("outbox_status_idx").on(t.status, t.createdAt)],
);
