/**
 * The Postgres schema, the system of record: one file per area, re-exported here. drizzle-kit
 * generates `migrations/` from it: edit the schema, then run `npm run db:generate`.
 */

export * from "./appointments.ts";
export * from "./billing.ts";
export * from "./calls.ts";
export * from "./campaigns.ts";
export * from "./customers.ts";
export * from "./knowledge-base.ts";
export * from "./latency.ts";
export * from "./outbox.ts";
export * from "./screening.ts";
export * from "./shipments.ts";
export * from "./squads.ts";
export * from "./tool-calls.ts";
