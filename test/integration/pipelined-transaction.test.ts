// Protects the pipelined transaction that side-effecting tools run in: its first statement, body and last statement commit together or not at all, nested transactions stay savepoints, and the connection always returns to the pool.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDatabase, type Database } from "../../src/db/client.ts";
import { pipelinedTransaction } from "../../src/db/pipelined-transaction.ts";

// The embedded Postgres serves one connection at a time: the Node-style pool is closed before the
// Worker-style connections open.
const embedded = inject("databaseKind") === "embedded";
const nodeStyle = createDatabase(inject("databaseUrl"), { max: embedded ? 1 : 2 });
// As on Workers: connections that open without fetching types (postgres.js then takes another path).
const workerStyle = createDatabase(inject("databaseUrl"), { max: embedded ? 1 : 2, fetchTypes: false });
let nodeStyleOpen = true;
const closeNodeStyle = async () => {
  if (nodeStyleOpen) await nodeStyle.close();
  nodeStyleOpen = false;
};
afterAll(async () => {
  await closeNodeStyle();
  await workerStyle.close();
});
let db: () => Database = () => nodeStyle.db;
const table = `pipelined_${process.pid}_${Date.now().toString(36)}`;
const rows = async () => (await db().execute<{ v: string }>(sql.raw(`select v from ${table} order by v`))).map((r) => r.v);

beforeAll(async () => {
  await nodeStyle.db.execute(sql.raw(`create table ${table} (v text primary key)`));
});

describe.each([
  ["a pool that fetches types (Node)", () => nodeStyle.db, async () => {}],
  ["connections without type fetching (Workers)", () => workerStyle.db, async () => (embedded ? closeNodeStyle() : undefined)],
])("pipelinedTransaction on %s", (_name, handle, before) => {
  beforeAll(async () => {
    await before();
    db = handle;
    await db().execute(sql.raw(`delete from ${table}`));
  });
  it("commits the opening statement, the body and the closing statement together", async () => {
    const value = await pipelinedTransaction(
      db(),
      (s) => s`insert into ${s(table)} values ('a1') returning v`,
      async (tx, opened) => {
        await tx.execute(sql.raw(`insert into ${table} values ('a2')`));
        return { value: opened.map((r) => r.v), closing: (s) => s`insert into ${s(table)} values ('a3')` };
      },
    );
    expect(value).toEqual(["a1"]);
    expect(await rows()).toEqual(expect.arrayContaining(["a1", "a2", "a3"]));
  });

  it("rolls everything back when the closing statement fails", async () => {
    await expect(
      pipelinedTransaction(
        db(),
        (s) => s`insert into ${s(table)} values ('b1') returning v`,
        async () => ({ value: 1, closing: (s) => s`insert into ${s(table)} values ('a1')` }),
      ),
    ).rejects.toThrow(/duplicate key/);
    expect(await rows()).not.toContain("b1");
  });

  it("rolls everything back when the body throws, and keeps a nested transaction a savepoint", async () => {
    await expect(
      pipelinedTransaction(
        db(),
        (s) => s`insert into ${s(table)} values ('c1') returning v`,
        async (tx) => {
          await tx
            .transaction(async (inner) => {
              await inner.execute(sql.raw(`insert into ${table} values ('c2')`));
              throw new Error("inner");
            })
            .catch(() => {});
          expect((await tx.execute<{ v: string }>(sql.raw(`select v from ${table} where v like 'c%'`))).map((r) => r.v)).toEqual(["c1"]);
          throw new Error("body");
        },
      ),
    ).rejects.toThrow("body");
    expect(await rows()).not.toContain("c1");
  });

  it("returns its connection to the pool whatever happened", async () => {
    for (let i = 0; i < 30; i++) {
      await pipelinedTransaction(
        db(),
        (s) => s`select 1 as v`,
        async () => {
          throw new Error("x");
        },
      ).catch(() => {});
    }
    // The pool is small: leaked connections would leave nothing to run this on.
    expect(await db().execute(sql`select 1 as ok`)).toEqual([{ ok: 1 }]);
  });
});
