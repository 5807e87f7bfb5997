/**
 * A transaction whose first statement travels with its BEGIN and whose last travels with its
 * COMMIT: two round trips fewer than `db.transaction` (which waits for BEGIN, then for each
 * statement, then for COMMIT). postgres.js sends queries issued together on one reserved
 * connection in one write and Postgres runs them in order (docs/adr/0019-reading-only-what-is-used.md).
 */
import { PostgresJsSession, PostgresJsTransaction } from "drizzle-orm/postgres-js/session";
import type postgres from "postgres";
import type { Database } from "./client.ts";

export type ReservedSql = postgres.ReservedSql<Record<string, never>>;

export interface Pipelined<T> {
  value: T;
  /** The transaction's last statement, sent with COMMIT; if it fails, COMMIT rolls everything back. */
  closing?: (sql: ReservedSql) => postgres.PendingQuery<postgres.Row[]>;
}

const noop = () => {};

/**
 * Runs `opening` (sent with BEGIN), then `body` with a drizzle transaction over the same
 * connection (nested `transaction()` calls are savepoints, as with `db.transaction`), then the
 * closing statement with COMMIT. Anything thrown rolls the transaction back; the connection goes
 * back to the pool in every case.
 */
export async function pipelinedTransaction<R extends postgres.Row[], T>(
  db: Database,
  opening: (sql: ReservedSql) => postgres.PendingQuery<R>,
  body: (tx: Database, opened: R) => Promise<Pipelined<T>>,
): Promise<T> {
  const client = (db as unknown as { $client: postgres.Sql<Record<string, never>> }).$client;
  // postgres.js 3.4 never hands a reserved connection to its caller when the connection opened
  // without fetching types (Workers turn that off): there, BEGIN is awaited on its own.
  if (client.options.fetch_types === false) return viaBegin(client, db, opening, body);
  const sql = await client.reserve();
  let open = false;
  try {
    const begin = sql`begin`.execute();
    const first = opening(sql).execute();
    open = true;
    // If BEGIN failed, the first statement did too: one error is enough.
    first.catch(noop);
    await begin;
    const opened = await first;
    const { value, closing } = await body(transactionOver(db, sql), opened);
    const last = closing?.(sql).execute();
    last?.catch(noop);
    const commit = sql`commit`.execute();
    commit.catch(noop);
    // Either way the transaction is over: a COMMIT after a failed statement is a ROLLBACK.
    open = false;
    if (last) await last;
    await commit;
    return value;
  } catch (err) {
    if (open) await sql`rollback`.catch(noop);
    throw err;
  } finally {
    sql.release();
  }
}

/** The same with postgres.js's `begin`: BEGIN in a round trip of its own, the closing statement still sent with COMMIT. */
async function viaBegin<R extends postgres.Row[], T>(
  client: postgres.Sql<Record<string, never>>,
  db: Database,
  opening: (sql: ReservedSql) => postgres.PendingQuery<R>,
  body: (tx: Database, opened: R) => Promise<Pipelined<T>>,
): Promise<T> {
  let last: Promise<unknown> | undefined;
  const value = await client.begin(async (scoped) => {
    const sql = scoped as unknown as ReservedSql;
    const { value, closing } = await body(transactionOver(db, sql), await opening(sql));
    // Sent now, so it precedes the COMMIT that begin() sends once this returns.
    last = closing?.(sql).execute();
    last?.catch(noop);
    return value;
  });
  if (last) await last;
  return value as T;
}

/**
 * drizzle over the reserved connection, built as `db.transaction` builds its own (drizzle-orm
 * 0.45's postgres-js session), with savepoints for nested transactions.
 */
function transactionOver(db: Database, sql: ReservedSql): Database {
  const base = (db as unknown as { session: { dialect: unknown; schema: unknown; options: unknown } }).session;
  let savepoints = 0;
  const scoped = Object.assign(sql, {
    async savepoint<T>(fn: (s: ReservedSql) => Promise<T>): Promise<T> {
      const name = `s${savepoints++}`;
      await sql.unsafe(`savepoint ${name}`);
      try {
        const result = await fn(sql);
        await sql.unsafe(`release savepoint ${name}`);
        return result;
      } catch (err) {
        await sql.unsafe(`rollback to savepoint ${name}`);
        throw err;
      }
    },
  });
  // biome-ignore lint/suspicious/noExplicitAny: drizzle's session constructors are not typed for outside use.
  const Session = PostgresJsSession as any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  const Transaction = PostgresJsTransaction as any;
  const session = new Session(scoped, base.dialect, base.schema, base.options);
  return new Transaction(base.dialect, session, base.schema) as Database;
}
