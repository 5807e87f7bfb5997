import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.ts";

export type Database = PostgresJsDatabase<typeof schema>;

export interface DatabaseHandle {
  db: Database;
  /** The underlying postgres.js client, for health checks and shutdown. */
  sql: postgres.Sql;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size. The embedded database serves one connection, so it is opened with 1. */
  max?: number;
  /** Fail a query that waits longer than this for a connection or the server (seconds). */
  connectTimeoutSeconds?: number;
  /**
   * Look up array types when a connection opens (postgres.js default). Workers turn it off: each
   * request opens its own connection, and the lookup would cost a round trip every time.
   */
  fetchTypes?: boolean;
}

/** Opens a postgres.js pool and wraps it in drizzle. Works on Node and on Workers. */
export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const sql = postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    idle_timeout: 30,
    fetch_types: options.fetchTypes ?? true,
    // NOTICE messages ("relation already exists, skipping") are not errors; keep them off stdout.
    onnotice: () => {},
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 2 }) };
}
