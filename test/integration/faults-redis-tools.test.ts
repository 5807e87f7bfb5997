// Protects the business tools under Redis faults: with Redis stopped mid-load or paused, every call through the webhook still answers from Postgres within its budget, and the cache is used again once Redis returns, without a restart.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APOLOGY, DEFAULT_TIMEOUT_MESSAGE } from "../../src/tools/dispatch/answers.ts";
import { givenShipment, givenSlots } from "../support/business.ts";
import type { TestApp, ToolAnswer } from "../support/harness.ts";
import { PRIVATE_KEY_PREFIX, type PrivateStack, startPrivateStack } from "../support/private-stack.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

let stack: PrivateStack;
let t: TestApp;
const shipments: { tn: string; location: string }[] = [];
let serviceName: string;

beforeAll(async () => {
  stack = await startPrivateStack();
  // Budgets with margin for a loaded two-core machine: a Redis fault must cost milliseconds, not the budget.
  t = await stack.app({ env: { TOOL_BUDGET_MS: "3000", LOG_LEVEL: "warn" } });
  for (let i = 0; i < 10; i++) {
    const location = `City ${i}, TX`;
    shipments.push({ tn: await givenShipment(t, { currentLocation: location }), location });
  }
  ({ serviceName } = await givenSlots(t, [200, 201, 202]));
}, 120_000);

afterAll(() => stack?.destroy(), 60_000);

async function lookup(i: number) {
  const s = shipments[i % shipments.length]!;
  const msg =
    i % 3 === 2
      ? toolCallsMessage([{ name: "check_availability", args: { service: serviceName } }])
      : toolCallsMessage([{ name: "get_shipment_status", args: { trackingNumber: s.tn } }]);
  const { status, json } = await t.webhook(msg);
  return { status, answer: json.results?.[0] as ToolAnswer | undefined, expected: i % 3 === 2 ? undefined : s.location };
}

/** A cached key of the app, as seen from a separate client (null while Redis is unreachable). */
const cachedShipment = (tn: string) => stack.inspect.exists(`${PRIVATE_KEY_PREFIX}v1:shipment:${tn}`).catch(() => null);

function expectAnsweredFromData(outcomes: Awaited<ReturnType<typeof lookup>>[]) {
  for (const o of outcomes) {
    expect(o.status).toBe(200);
    expect(o.answer?.error, "no error reaches the caller").toBeUndefined();
    const data = JSON.parse(o.answer!.result!) as { location?: string; slots?: unknown[] };
    if (o.expected) expect(data.location).toBe(o.expected);
    else expect(data.slots).toHaveLength(3);
  }
}

describe("Redis stopped in the middle of a load run", () => {
  it("answers every call from Postgres, then uses the cache again by itself once Redis is back", async () => {
    const inFlight: Promise<Awaited<ReturnType<typeof lookup>>>[] = [];
    let stopped: Promise<void> | undefined;
    // 300 calls in waves of 15; Redis goes away after the first third.
    for (let wave = 0; wave < 20; wave++) {
      if (wave === 7) stopped = stack.redis.stop();
      for (let j = 0; j < 15; j++) inFlight.push(lookup(wave * 15 + j));
      await new Promise((r) => setTimeout(r, 50));
    }
    await stopped;
    // A few more while Redis is certainly down.
    for (let j = 0; j < 30; j++) inFlight.push(lookup(j));
    const outcomes = await Promise.all(inFlight);
    expect(outcomes).toHaveLength(330);

    expectAnsweredFromData(outcomes);
    const logged = t.logs.map((l) => JSON.parse(l) as { msg: string });
    expect(logged.some((l) => l.msg === "cache read failed; using the database")).toBe(true);

    await stack.redis.start();
    // The same app, the same client: a lookup stores its entry in Redis again.
    const { tn } = shipments[0]!;
    await expect
      .poll(
        async () => {
          await lookup(0);
          return cachedShipment(tn);
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(1);
    // And it is served from there: a change written behind the cache's back is not seen until invalidated.
    await stack.database.db.execute(sql`update shipments set current_location = 'Behind The Cache' where tracking_number = ${tn}`);
    const served = await lookup(0);
    expect(JSON.parse(served.answer!.result!).location).toBe(shipments[0]!.location);
    shipments[0]!.location = "Behind The Cache";
  });
});

describe("Redis paused (hung, holding its connections)", () => {
  it("gives up on Redis after the command timeout and answers every concurrent call from Postgres, without pile-up", async () => {
    await expect.poll(() => cachedShipment(shipments[1]!.tn).then((v) => v !== null), { timeout: 20_000 }).toBe(true);
    // Without the command timeout a hung Redis would hold every read until any budget runs out;
    // with it, each read loses a few milliseconds. The budget has margin for a loaded machine.
    const strict = await stack.app({ env: { TOOL_BUDGET_MS: "1000", LOG_LEVEL: "warn" } });
    stack.redis.pause();
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const s = shipments[i % shipments.length]!;
          const { status, json } = await strict.webhook(
            toolCallsMessage([{ name: "get_shipment_status", args: { trackingNumber: s.tn } }]),
          );
          return { status, answer: json.results?.[0] as ToolAnswer | undefined, expected: s.location };
        }),
      );
      for (const o of outcomes) {
        expect(o.status).toBe(200);
        expect([APOLOGY, DEFAULT_TIMEOUT_MESSAGE]).not.toContain(o.answer?.error);
        expect(JSON.parse(o.answer!.result!).location).toBe(o.expected);
      }
      const logged = strict.logs.map((l) => JSON.parse(l) as { msg: string; err?: { message?: string } });
      expect(logged.some((l) => l.msg === "cache read failed; using the database" && /timed out/i.test(l.err?.message ?? ""))).toBe(true);
    } finally {
      stack.redis.resume();
    }
    // Once Redis answers again, the same app reads from it again.
    await expect
      .poll(async () => (await lookup(3)).answer?.result !== undefined && (await cachedShipment(shipments[3]!.tn)) === 1)
      .toBe(true);
  });
});
