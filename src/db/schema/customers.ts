import { pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * The business's customers, identified by phone number (E.164): the number a call comes from is
 * the only identity a voice agent can trust, so it is unique here.
 */
export const customers = pgTable("customers", {
  id: uuid("id").primaryKey().defaultRandom(),
  phone: text("phone").notNull().unique(),
  name: text("name"),
  email: text("email"),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});
