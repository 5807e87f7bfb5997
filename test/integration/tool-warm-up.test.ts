// Protects the business tools' warm-up hooks: they run their real queries against the database at start, write nothing, and leave the cache untouched.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import type { Cache } from "../../src/cache/cache.ts";
import { createDatabase } from "../../src/db/client.ts";
import { warmUp } from "../../src/runtime/warm-up.ts";
import { createTestApp, type TestApp, testCache, testDatabase } from "../support/harness.ts";

const READ_TOOLS = ["check_availability", "get_account_balance", "get_shipment_status", "list_my_appointments"];
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});

/** The real cache, with every write noted on the way through. */
function noteWrites(cache: Cache): { cache: Cache; writes: string[] } {
  const writes: string[] = [];
  const note = <T>(what: string, result: Promise<T>) => {
    writes.push(what);
    return result;
  };
  const noted: Cache = {
    ...cache,
    kind: cache.kind,
    get: (key) => cache.get(key),
    getMany: (keys) => cache.getMany(keys),
    set: (key, value, ttlMs) => note(`set ${key}`, cache.set(key, value, ttlMs)),
    setIfAbsent: (key, value, ttlMs) => note(`setIfAbsent ${key}`, cache.setIfAbsent(key, value, ttlMs)),
    del: (...keys) => note(`del ${keys.join(" ")}`, cache.del(...keys)),
    incr: (key, ttlMs) => note(`incr ${key}`, cache.incr(key, ttlMs)),
    ping: () => cache.ping(),
    close: () => cache.close(),
  };
  return { cache: noted, writes };
}

const rowCounts = async () =>
  (
    await testDatabase().db.execute<Record<string, number>>(sql`select
      (select count(*)::int from customers) as customers,
      (select count(*)::int from shipments) as shipments,
      (select count(*)::int from appointments) as appointments,
      (select count(*)::int from accounts) as accounts,
      (select count(*)::int from tool_calls) as tool_calls`)
  )[0]!;

describe("warm hooks of the business tools", () => {
  it("are defined on the read-heavy tools", () => {
    const warmed = t.deps.registry
      .list()
      .filter((tool) => tool.warm)
      .map((tool) => tool.name)
      .sort();
    expect(warmed).toEqual(READ_TOOLS);
  });

  it("run against the real database without error, write no rows and leave the cache alone", async () => {
    const { cache, writes } = noteWrites(await testCache());
    const before = await rowCounts();
    const connections = t.deps.databaseKind === "embedded" ? 1 : 3;
    const result = await warmUp({ ...t.deps, cache }, connections);
    expect(result.failures).toBe(0);
    expect(t.logs.filter((l) => l.includes("warm-up step failed"))).toEqual([]);
    expect(writes).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });

  it("really query the database: with it gone, every hook's step fails (and is only logged)", async () => {
    const gone = createDatabase(inject("databaseUrl"), { max: 1 });
    await gone.close();
    const result = await warmUp({ ...t.deps, db: gone.db }, 2);
    // Two "select 1" steps, then each read tool's hook once per connection.
    expect(result.failures).toBe(2 + READ_TOOLS.length * 2);
    for (const name of READ_TOOLS) expect(t.logs.some((l) => l.includes("warm-up step failed") && l.includes(`tool ${name}`))).toBe(true);
  });
});
