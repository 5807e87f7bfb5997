// Protects the data layer: drizzle-kit's migrations apply to the real Postgres and are safe to re-run, and rows stored before a migration survive it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { migrationsFolder, runMigrations } from "../../src/db/migrate.ts";
import { testDatabase } from "../support/harness.ts";

describe("migrations", () => {
  it("created the tool_calls table with its primary key", async () => {
    const { db } = testDatabase();
    const rows = await db.execute<{ column_name: string }>(
      sql`select column_name from information_schema.columns where table_name = 'tool_calls' order by ordinal_position`,
    );
    expect(rows.map((r) => r.column_name)).toEqual([
      "tool_call_id",
      "call_id",
      "tool_name",
      "caller_number",
      "outcome",
      "response",
      "duration_ms",
      "created_at",
    ]);
  });

  it("re-running them changes nothing", async () => {
    const { db } = testDatabase();
    const count = async () => (await db.execute<{ n: number }>(sql`select count(*)::int as n from drizzle.__drizzle_migrations`))[0]!.n;
    const before = await count();
    await runMigrations(db);
    expect(await count()).toBe(before);
    expect(before).toBeGreaterThan(0);
  });
});

/** The statements of the migrations whose file names pass `pick`, for a scratch schema (no "public". qualifiers). */
function statements(pick: (file: string) => boolean): string[] {
  return readdirSync(migrationsFolder)
    .filter((f) => f.endsWith(".sql") && pick(f))
    .sort()
    .flatMap((f) => readFileSync(join(migrationsFolder, f), "utf8").split("--> statement-breakpoint"))
    .map((s) => s.replaceAll('"public".', "").trim())
    .filter((s) => s.length > 0);
}

class Rollback extends Error {}

describe("0003: tool calls keyed by call and toolCallId", () => {
  it("keeps every stored answer, files those without a call id under the empty one, and lets another call reuse a toolCallId", async () => {
    const { db } = testDatabase();
    const seen: Record<string, unknown> = {};
    // In a scratch schema inside a transaction that is rolled back: the run's own tables are untouched.
    await expect(
      db.transaction(async (tx) => {
        await tx.execute(sql`create schema migration_scratch`);
        await tx.execute(sql`set local search_path to migration_scratch`);
        for (const s of statements((f) => f < "0003")) await tx.execute(sql.raw(s));
        await tx.execute(sql`insert into tool_calls (tool_call_id, call_id, tool_name, caller_number, outcome, response, duration_ms) values
          ('tc_a', 'call-1', 'book_appointment', '+15550001', 'result', '{"result":"booked A"}', 5),
          ('tc_b', null, 'cancel_appointment', '+15550002', 'error', '{"error":"not found"}', 3)`);
        for (const s of statements((f) => f.startsWith("0003"))) await tx.execute(sql.raw(s));
        seen.rows = await tx.execute(sql`select tool_call_id, call_id, response from tool_calls order by tool_call_id`);
        seen.key = await tx.execute(sql`
          select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
          where i.indrelid = 'migration_scratch.tool_calls'::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`);
        await tx.execute(sql`insert into tool_calls (tool_call_id, call_id, tool_name, outcome, response, duration_ms)
          values ('tc_a', 'call-2', 'book_appointment', 'result', '{}', 0)`);
        seen.reused = (await tx.execute<{ n: number }>(sql`select count(*)::int as n from tool_calls where tool_call_id = 'tc_a'`))[0]!.n;
        throw new Rollback();
      }),
    ).rejects.toBeInstanceOf(Rollback);
    expect(seen.rows).toEqual([
      { tool_call_id: "tc_a", call_id: "call-1", response: { result: "booked A" } },
      { tool_call_id: "tc_b", call_id: "", response: { error: "not found" } },
    ]);
    expect((seen.key as { attname: string }[]).map((k) => k.attname)).toEqual(["call_id", "tool_call_id"]);
    expect(seen.reused).toBe(2);
  });
});
