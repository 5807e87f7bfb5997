import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Numbers whose calls are rejected at assistant-request, before any AI answers (managed over
 * `/api/blocklist`). Read as one snapshot through the cache, so screening costs no database
 * round trip; every change invalidates that snapshot once it has committed.
 */
export const blockedNumbers = pgTable("blocked_numbers", {
  /** The caller's number, E.164. */
  number: text("number").primaryKey(),
  /** Why it was blocked (for the people managing the list; never spoken). */
  reason: text("reason"),
  /** The block lapses at this time; null: until removed. */
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
