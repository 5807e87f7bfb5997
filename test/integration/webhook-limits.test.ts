// Protects the webhook's bounds: credentials refused before a byte of the body is read, bodies refused past the read timeout or the memory budget (503 with Retry-After, while small tool calls still pass), tool-call lists and ids bounded before anything runs, and long call ids kept short as keys.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { toolCalls } from "../../src/db/schema/index.ts";
import { LARGE_BODY_SHARE, parsedCost, rawCost } from "../../src/lib/byte-budget.ts";
import { MAX_ID_CHARS } from "../../src/vapi/envelope.ts";
import { createTestApp, TEST_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { endOfCallReport, testCallId, toolCallsMessage } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const MiB = 1024 * 1024;

beforeAll(async () => {
  await testDatabase().db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
});

/** A body that sends `first`, then waits for `release()` before sending `rest` (never, if not released). */
function gatedBody(first: Uint8Array, rest: Uint8Array = new Uint8Array(0)) {
  let pulls = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        pulls++;
        if (pulls === 1) return controller.enqueue(first);
        await gate;
        if (rest.length > 0) controller.enqueue(rest);
        controller.close();
      },
    },
    // Nothing is pulled until someone reads.
    { highWaterMark: 0 },
  );
  return { stream, release, pulls: () => pulls };
}

function post(
  t: TestApp,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = { "x-vapi-secret": TEST_SECRET },
) {
  return t.app.request("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

const bytes = (value: unknown) => new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

describe("credentials before the body", () => {
  it("refuses a wrong or missing secret without reading a byte of the body", async () => {
    const t = await createTestApp({ toolsDir: fixtures });
    const attempts: Record<string, string>[] = [
      { "x-vapi-secret": "wrong-secret-0123456789" },
      { authorization: "Bearer wrong-token-0123456789" },
      {},
    ];
    for (const headers of attempts) {
      const body = gatedBody(new Uint8Array(MiB));
      const res = await post(t, body.stream, headers);
      expect(res.status).toBe(401);
      expect(body.pulls()).toBe(0);
      body.release();
    }
  });

  it("refuses an HMAC request with a stale timestamp without reading its body", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { VAPI_HMAC_SECRET: "limits-hmac-secret" } });
    const body = gatedBody(new Uint8Array(MiB));
    const res = await post(t, body.stream, { "x-signature": "0".repeat(64), "x-timestamp": "1000000000" });
    expect(res.status).toBe(401);
    expect(body.pulls()).toBe(0);
    body.release();
  });
});

describe("bodies within time and memory", () => {
  it("answers 408 to a body that stops arriving, within BODY_READ_TIMEOUT_MS", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { BODY_READ_TIMEOUT_MS: "300" } });
    const body = gatedBody(bytes('{"message":{"type":"end-of-call-report",'));
    const res = await post(t, body.stream);
    expect(res.status).toBe(408);
    expect(await res.json()).toMatchObject({ error: { code: "body_timeout" } });
    body.release();
  });

  it("answers 503 with Retry-After while large bodies hold the budget, still serves small tool calls, and takes the body once memory is free", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { BODY_MEMORY_BUDGET_BYTES: String(32 * MiB) } });
    const ceiling = 32 * MiB * LARGE_BODY_SHARE;
    // A 6 MB report (mostly transcript) arriving slowly holds its raw bytes, counted twice.
    const held = endOfCallReport(1_000, { callId: testCallId() });
    held.message.artifact.transcript = "Hello there friend. ".repeat((6 * MiB) / 20);
    const heldBytes = bytes(held);
    const report = bytes(endOfCallReport(3 * MiB, { callId: testCallId() }));
    expect(parsedCost(heldBytes)).toBeLessThanOrEqual(ceiling);
    expect(rawCost(heldBytes.length) + parsedCost(report)).toBeGreaterThan(ceiling);
    expect(parsedCost(report)).toBeLessThanOrEqual(ceiling);

    const slow = gatedBody(heldBytes.subarray(0, heldBytes.length - 10), heldBytes.subarray(heldBytes.length - 10));
    const slowAnswer = post(t, slow.stream);
    await expect.poll(() => t.deps.bodyBudgets.verified.used).toBeGreaterThanOrEqual(rawCost(heldBytes.length - 10));

    const busy = await post(t, report);
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("2");
    expect(await busy.json()).toMatchObject({ error: { code: "busy" } });

    const tool = await post(t, JSON.stringify(toolCallsMessage([{ id: "small_1", name: "echo", args: { text: "hi" } }])));
    expect(tool.status).toBe(200);
    expect(((await tool.json()) as { results: { result?: string }[] }).results[0]?.result).toContain("hi");

    slow.release();
    expect((await slowAnswer).status).toBe(200);
    expect(t.deps.bodyBudgets.verified.used).toBe(0);
    expect((await post(t, report)).status).toBe(200);
  });

  it("answers 413 to a body whose parsed form could never fit the budget (millions of tiny values)", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { BODY_MEMORY_BUDGET_BYTES: String(16 * MiB) } });
    const empties = `{"message":{"type":"end-of-call-report","artifact":{"messages":[${Array(400_000).fill("{}").join(",")}]}}}`;
    const res = await post(t, empties);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      error: { code: "payload_too_large", message: expect.stringMatching(/too large to process/) },
    });
    expect(t.deps.bodyBudgets.verified.used).toBe(0);
  });
});

describe("tool-call lists and ids", () => {
  it("refuses a list longer than 4 x MAX_TOOL_CALLS_PER_MESSAGE whole: nothing runs, the answer stays small", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { MAX_TOOL_CALLS_PER_MESSAGE: "2" } });
    const note = `oversized-${randomUUID()}`;
    const list = Array.from({ length: 9 }, (_, i) => ({ id: `over_${i}`, name: "record_note", args: { note } }));
    const { status, json } = await t.webhook(toolCallsMessage(list));
    expect(status).toBe(200);
    expect(json.results?.map((r) => r.toolCallId)).toEqual([
      "over_0",
      "over_1",
      "over_2",
      "over_3",
      "over_4",
      "over_5",
      "over_6",
      "over_7",
    ]);
    for (const r of json.results ?? []) expect(r.error).toMatch(/too many tool calls.*none were run/i);
    const [stored] = await testDatabase().db.execute<{ n: number }>(sql`select count(*)::int as n from test_notes where note = ${note}`);
    expect(stored?.n).toBe(0);
  });

  it("does not run or answer a call whose id is too long to be a key, and answers the others", async () => {
    const t = await createTestApp({ toolsDir: fixtures });
    const note = `long-id-${randomUUID()}`;
    const longId = `call_${"x".repeat(MAX_ID_CHARS)}`;
    const { json } = await t.webhook(
      toolCallsMessage([
        { id: longId, name: "record_note", args: { note } },
        { id: "short_1", name: "echo", args: { text: "ok" } },
      ]),
    );
    expect(json.results?.map((r) => r.toolCallId)).toEqual(["short_1"]);
    const [stored] = await testDatabase().db.execute<{ n: number }>(sql`select count(*)::int as n from test_notes where note = ${note}`);
    expect(stored?.n).toBe(0);
  });

  it("keeps a megabyte call id short wherever it becomes a key", async () => {
    const t = await createTestApp({ toolsDir: fixtures });
    const hugeCallId = `${testCallId()}-${"y".repeat(MiB)}`;
    const toolCallId = `call_${randomUUID()}`;
    const { json } = await t.webhook(
      toolCallsMessage([{ id: toolCallId, name: "record_note", args: { note: `huge-${toolCallId}` } }], { callId: hugeCallId }),
    );
    expect(json.results?.[0]?.result).toBeDefined();
    const [row] = await testDatabase().db.select().from(toolCalls).where(eq(toolCalls.toolCallId, toolCallId));
    expect(row?.callId?.length).toBe(MAX_ID_CHARS);
    expect(hugeCallId.startsWith(row!.callId!.slice(0, MAX_ID_CHARS - 17))).toBe(true);
  });
});
