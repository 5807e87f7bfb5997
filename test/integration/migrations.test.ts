// Protects the data layer: drizzle-kit's migrations apply to the real Postgres and are safe to re-run.
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { runMigrations } from "../../src/db/migrate.ts";
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
