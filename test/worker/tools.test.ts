// Protects the tools inside workerd against the real Postgres (through Hyperdrive) and Redis: one case per domain, idempotent writes, per-request clients.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { testEnv, webhook } from "./support.ts";

interface DomainCase {
  domain: string;
  tool: string;
  args: Record<string, unknown>;
  caller?: string;
  /** Checks the parsed `result` (or fails on an `error`). */
  check(result: Record<string, unknown>): void;
}

/**
 * One case per business domain, each a real tool call through the Worker. When a domain's tools
 * land, add their cases here (seed what they read in `beforeAll`).
 */
const domainCases: DomainCase[] = [
  {
    domain: "business hours",
    tool: "get_business_hours",
    args: { day: "Saturday" },
    check: (result) => expect(result).toMatchObject({ day: "Saturday", hours: "9 AM to 1 PM" }),
  },
];

beforeAll(async () => {
  // The table the record_note fixture writes to. The client is left to the runtime to close:
  // postgres.js end() inside the test pool leaves a "Stream was cancelled" rejection behind.
  const { db } = createDatabase(testEnv.HYPERDRIVE.connectionString, { max: 1, fetchTypes: false });
  await db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
});

describe.each(domainCases)("$domain", ({ tool, args, caller, check }) => {
  it(`answers ${tool} with a result`, async () => {
    const { status, json } = await webhook(toolCallsMessage([{ id: `dom_${tool}`, name: tool, args }], caller ? { caller } : {}));
    expect(status).toBe(200);
    const answer = json.results?.[0];
    expect(answer?.error).toBeUndefined();
    expect(answer).toMatchObject({ toolCallId: `dom_${tool}`, name: tool });
    check(JSON.parse(answer?.result ?? "null"));
  });
});

describe("side-effecting tools", () => {
  it("writes once per toolCallId, answering a repeated delivery with the stored answer", async () => {
    const note = `worker-note-${crypto.randomUUID()}`;
    // A repeated delivery is the same toolCallId in the same call.
    const callId = `worker-call-${crypto.randomUUID()}`;
    const first = await webhook(toolCallsMessage([{ id: "note_1", name: "record_note", args: { note } }], { callId }));
    const again = await webhook(toolCallsMessage([{ id: "note_1", name: "record_note", args: { note } }], { callId }));
    const other = await webhook(toolCallsMessage([{ id: `note_2_${note}`, name: "record_note", args: { note } }]));
    expect(first.json.results?.[0]?.result).toBe(JSON.stringify({ stored: note, copies: 1 }));
    expect(again.json.results).toEqual(first.json.results);
    expect(other.json.results?.[0]?.result).toBe(JSON.stringify({ stored: note, copies: 2 }));
  });

  it("commits nothing when the tool answers with a failure", async () => {
    const note = `refused-${crypto.randomUUID()}`;
    const refused = await webhook(toolCallsMessage([{ id: `refuse_${note}`, name: "record_note", args: { note, refuse: true } }]));
    expect(refused.json.results?.[0]?.error).toBe("Notes are closed.");
    const later = await webhook(toolCallsMessage([{ id: `accept_${note}`, name: "record_note", args: { note } }]));
    expect(later.json.results?.[0]?.result).toBe(JSON.stringify({ stored: note, copies: 1 }));
  });
});

describe("request-scoped clients", () => {
  it("serves consecutive and concurrent requests, each over its own database and cache connections", async () => {
    const call = (i: number) =>
      webhook(
        toolCallsMessage([
          { id: `seq_${i}_${crypto.randomUUID()}`, name: "record_note", args: { note: `scoped-${i}-${crypto.randomUUID()}` } },
        ]),
      );
    for (let i = 0; i < 3; i++) expect((await call(i)).json.results?.[0]?.result).toContain('"copies":1');
    const together = await Promise.all([3, 4, 5, 6].map(call));
    for (const { json } of together) expect(json.results?.[0]?.result).toContain('"copies":1');
  });
});
