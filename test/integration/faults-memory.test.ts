// Protects the production build (heap capped as start:prod runs it) against valid, authenticated floods of large bodies: 200 concurrent 1 MB and 16 concurrent 7 MB end-of-call reports, and 4 messages of 250,000 tool calls, never crash it; each is answered 200 or 503 with Retry-After, and every acknowledged report is stored.

import { inArray, sql } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { calls } from "../../src/db/schema/index.ts";
import { TEST_SECRET } from "../support/harness.ts";
import { productionOnPrivateStack, type WatchedServer } from "../support/production-server.ts";
import { endOfCallReport, testCallId } from "../support/vapi-messages.ts";

const prod = productionOnPrivateStack("faults-memory");
let server: WatchedServer;

// A fresh process per attack: each must hold on its own.
beforeEach(async () => {
  server = await prod.start();
}, 60_000);

afterEach(() => server?.stop());

/**
 * The heap cap of `npm run start:prod` is 160 MB old space plus 48 MB young; the floods' socket
 * buffers come on top (measured peaks: under 256 MiB on Node 20, 257-261 MiB on Node 24). RSS
 * above this means memory ran away (before ADR 9 these floods crashed the process).
 */
const RSS_CEILING_MIB = 300;

async function post(body: string): Promise<{ status: number; retryAfter: string | null; text: string }> {
  const res = await fetch(`${server.base}/vapi/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-vapi-secret": TEST_SECRET },
    body,
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), text: await res.text() };
}

/**
 * Sends every report at once, then (as Vapi's backoff plan does) sends `redeliver` of the refused
 * ones again, one wave after another, until each of those is acknowledged: refusals are a
 * passing state. Returns the ids acknowledged.
 */
async function floodAndRedeliver(ids: string[], bytes: number, redeliver: number): Promise<string[]> {
  const body = (callId: string) => JSON.stringify(endOfCallReport(bytes, { callId }));
  const first = await Promise.all(ids.map((callId) => post(body(callId))));
  for (const answer of first) {
    expect([200, 503]).toContain(answer.status);
    if (answer.status === 503) expect(answer.retryAfter).toMatch(/^\d+$/);
  }
  const acknowledged = ids.filter((_, i) => first[i]!.status === 200);
  expect(acknowledged.length).toBeGreaterThan(0);
  let refused = ids.filter((_, i) => first[i]!.status !== 200).slice(0, redeliver);
  while (refused.length > 0) {
    const answers = await Promise.all(refused.map((callId) => post(body(callId))));
    for (const a of answers) expect([200, 503]).toContain(a.status);
    acknowledged.push(...refused.filter((_, i) => answers[i]!.status === 200));
    refused = refused.filter((_, i) => answers[i]!.status !== 200);
  }
  return acknowledged;
}

const storedCount = async (ids: string[]) =>
  (await prod.stack.database.db.select({ n: sql<number>`count(*)::int` }).from(calls).where(inArray(calls.callId, ids)))[0]!.n;

function expectAlive() {
  expect(server.exited(), "the server process is still running").toBeUndefined();
  expect(server.peakRssMiB()).toBeLessThan(RSS_CEILING_MIB);
}

describe("floods of large authenticated bodies", () => {
  it("200 concurrent 1 MB end-of-call reports: no crash, 200 or 503 each, every acknowledged report stored", async () => {
    const ids = Array.from({ length: 200 }, () => testCallId());
    const acknowledged = await floodAndRedeliver(ids, 1_000_000, 10);
    expectAlive();
    // Acknowledged means committed or spooled on disk; a spooled one reaches the database by itself.
    await expect.poll(() => storedCount(acknowledged), { timeout: 30_000, interval: 200 }).toBe(acknowledged.length);
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
  }, 120_000);

  it("16 concurrent 7 MB end-of-call reports: no crash, every acknowledged report stored", async () => {
    const ids = Array.from({ length: 16 }, () => testCallId());
    const acknowledged = await floodAndRedeliver(ids, 7_000_000, 2);
    expectAlive();
    await expect.poll(() => storedCount(acknowledged), { timeout: 30_000, interval: 200 }).toBe(acknowledged.length);
  }, 120_000);

  it("4 concurrent messages of 250,000 tool calls: none runs, each answer is small, no crash", async () => {
    const body = JSON.stringify({
      message: {
        type: "tool-calls",
        call: { id: testCallId() },
        toolCallList: Array.from({ length: 250_000 }, (_, i) => ({ id: `c${i}` })),
      },
    });
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(body)));
    for (const answer of answers) {
      // Refused whole (200 with one refusal per answered id), or never parsed (413, 503).
      expect([200, 413, 503]).toContain(answer.status);
      expect(answer.text.length).toBeLessThan(64 * 1024);
      if (answer.status === 200) {
        const results = (JSON.parse(answer.text) as { results: { error?: string }[] }).results;
        expect(results.length).toBeLessThanOrEqual(64);
        for (const r of results) expect(r.error).toMatch(/too many tool calls/i);
      }
    }
    expectAlive();
  }, 120_000);
});
