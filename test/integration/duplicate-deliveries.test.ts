// Protects what duplicate deliveries of one tool call hear under a slow database: a duplicate that finds the first delivery running waits for its answer (and for its commit once it is committing), one that finds it timed out hears the same timeout sentence, and nothing runs twice; after a rollback the next delivery is a new attempt, after a commit it replays the stored answer.
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUT_MESSAGE } from "../../src/tools/dispatch/answers.ts";
import { createTestApp, type TestApp, type ToolAnswer } from "../support/harness.ts";
import { startPrivatePostgres } from "../support/private-stack.ts";
import { testCallId, testToolCallId, toolCallsMessage } from "../support/vapi-messages.ts";

const tools = fileURLToPath(new URL("../fixtures/gated-tools", import.meta.url));
let t: TestApp;
// A private Postgres: the test holds locks on a connection of its own while deliveries queue
// behind them, which the embedded database (one connection) cannot serve.
let pg: Awaited<ReturnType<typeof startPrivatePostgres>>;
/** One connection of the test's own: it holds the gates (advisory locks) while deliveries queue behind them. */
let gatekeeper: postgres.Sql;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  const { db } = pg.database;
  t = await createTestApp({ toolsDir: tools, db, env: { SIDE_EFFECT_LIMIT_PER_MINUTE: "0", LOG_LEVEL: "warn" } });
  await db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
  // The commit gate: gated_note's answer names it, and the update storing that answer waits for it.
  // Only gated_note's rows are affected.
  await db.execute(sql`create or replace function test_commit_gate() returns trigger language plpgsql as $$
    begin
      perform pg_advisory_xact_lock_shared(((new.response->>'result')::jsonb->>'commitGate')::bigint);
      return new;
    end $$`);
  await db.execute(sql`create or replace trigger test_commit_gate before update on tool_calls for each row
    when (new.tool_name = 'gated_note' and new.response->>'result' like '%"commitGate"%') execute function test_commit_gate()`);
  gatekeeper = postgres(pg.url, { max: 1, onnotice: () => {} });
}, 60_000);

afterAll(async () => {
  await gatekeeper?.end();
  await pg?.destroy();
}, 60_000);

let nextGate = 700_000 + Math.floor(Math.random() * 100_000);
async function closedGate() {
  const key = nextGate++;
  await gatekeeper`select pg_advisory_lock(${key})`;
  return { key, open: () => gatekeeper`select pg_advisory_unlock(${key})` };
}

/** Resolves once `n` sessions wait for the gate: the deliveries have reached it. */
const waitersAt = (key: number, n: number) =>
  expect
    .poll(
      async () =>
        (await gatekeeper`select count(*)::int as n from pg_locks where locktype = 'advisory' and objid = ${key} and not granted`)[0]!
          .n as number,
      { timeout: 10_000, interval: 20 },
    )
    .toBeGreaterThanOrEqual(n);

function deliver(callId: string, id: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  return t.webhook(toolCallsMessage([{ id, name: "gated_note", args }], { callId })).then((r) => r.json.results![0]!);
}

const notes = async (note: string) =>
  (await pg.database.db.execute<{ n: number }>(sql`select count(*)::int as n from test_notes where note = ${note}`))[0]!.n;

describe("duplicates of a delivery that commits after their own budget", () => {
  it("all hear the committed answer, however long the commit takes, and later ones replay it", async () => {
    const handlerGate = await closedGate();
    const commitGate = await closedGate();
    const callId = testCallId();
    const id = testToolCallId();
    const note = `slow-commit-${id}`;
    const args = { note, handlerGate: handlerGate.key, commitGate: commitGate.key };
    const first = deliver(callId, id, args);
    await waitersAt(handlerGate.key, 1);
    // Three duplicates while the first is running, two more once it is committing.
    const duplicates = [deliver(callId, id, args), deliver(callId, id, args), deliver(callId, id, args)];
    await handlerGate.open();
    await waitersAt(commitGate.key, 1);
    duplicates.push(deliver(callId, id, args), deliver(callId, id, args));
    // A delivery with the same budget, sent after every duplicate: once it has timed out, so has
    // every duplicate's own budget, while the first is still held before its commit.
    const budgetSpent = await t.webhook(toolCallsMessage([{ name: "hang", args: {} }]));
    expect(budgetSpent.json.results![0]!.error).toBe(DEFAULT_TIMEOUT_MESSAGE);
    await commitGate.open();

    const answers = await Promise.all([first, ...duplicates]);
    expect(JSON.parse(answers[0]!.result!)).toMatchObject({ stored: note });
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(await deliver(callId, id, args)).toEqual(answers[0]);
    expect(await notes(note)).toBe(1);
  });
});

describe("duplicates of a delivery that timed out", () => {
  it("hear the same timeout sentence while it rolls back, write nothing, and the next delivery after the rollback runs anew", async () => {
    const handlerGate = await closedGate();
    const callId = testCallId();
    const id = testToolCallId();
    const note = `timed-out-${id}`;
    const args = { note, handlerGate: handlerGate.key };
    const first = deliver(callId, id, args);
    await waitersAt(handlerGate.key, 1);
    const during = deliver(callId, id, args);
    expect((await first).error).toBe(DEFAULT_TIMEOUT_MESSAGE);
    // The first has answered and is still held in its handler: this duplicate finds it timed out.
    const afterTimeout = deliver(callId, id, args);
    await handlerGate.open();
    expect((await during).error).toBe(DEFAULT_TIMEOUT_MESSAGE);
    expect((await afterTimeout).error).toBe(DEFAULT_TIMEOUT_MESSAGE);
    expect(await notes(note)).toBe(0);

    // Once the first has rolled back nothing is stored: the next delivery is a new attempt, and then replayed.
    await expect.poll(async () => (await deliver(callId, id, { note })).result, { timeout: 10_000, interval: 50 }).toBeDefined();
    const replayed = await deliver(callId, id, { note });
    expect(JSON.parse(replayed.result!)).toEqual({ stored: note });
    expect(await notes(note)).toBe(1);
  });
});
