// Protects callers from screening outages: with Redis hung or both Redis and Postgres gone, assistant-request still answers within its budget and lets the call through (logged), and with Redis gone alone the blocklist still holds from Postgres.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { inTransaction } from "../../src/services/context.ts";
import { blockNumber } from "../../src/services/screening/blocklist.ts";
import type { TestApp } from "../support/harness.ts";
import { type PrivateStack, startPrivateStack } from "../support/private-stack.ts";
import { testCallId } from "../support/vapi-messages.ts";

const BLOCKED = "+15550166601";
const BLOCKED_MESSAGE = "Blocked. Goodbye.";
let stack: PrivateStack;
let t: TestApp;

beforeAll(async () => {
  // Redis commands wait up to a second: longer than screening's budget, so a hung Redis meets the budget first.
  stack = await startPrivateStack({ commandTimeoutMs: 1000 });
  t = await stack.app({
    assistant: { ...assistantConfig, screening: { ...assistantConfig.screening!, blockedMessage: BLOCKED_MESSAGE } },
    env: { SCREENING_BUDGET_MS: "150", PERSONALIZATION_BUDGET_MS: "100" },
  });
  await inTransaction({ ...t.deps, timeZone: "UTC" }, (ctx) => blockNumber(ctx, { number: BLOCKED }));
}, 120_000);
afterAll(() => stack?.destroy(), 60_000);

/** Waits until the app's Redis client has reconnected (it does so by itself, in the background). */
async function redisAnswers() {
  await expect
    .poll(
      () =>
        stack.cache.get("probe").then(
          () => "up",
          () => "down",
        ),
      { timeout: 10_000, interval: 50 },
    )
    .toBe("up");
}

async function answerFor(caller: string) {
  const { status, json } = await t.webhook({
    message: {
      type: "assistant-request",
      call: { id: testCallId(), type: "inboundPhoneCall", phoneNumberId: "pn-1", customer: { number: caller } },
    },
  });
  return { status, json };
}

describe("screening under faults", () => {
  it("rejects the blocked number while everything is up", async () => {
    expect((await answerFor(BLOCKED)).json).toEqual({ error: BLOCKED_MESSAGE });
  });

  it("still rejects it from Postgres while Redis is stopped", async () => {
    await stack.redis.stop();
    try {
      expect((await answerFor(BLOCKED)).json).toEqual({ error: BLOCKED_MESSAGE });
    } finally {
      await stack.redis.start();
      await redisAnswers();
    }
  });

  it("lets the call through within the budget while Redis hangs, and says so in the log", async () => {
    stack.redis.pause();
    try {
      const { status, json } = await answerFor(BLOCKED);
      expect(status).toBe(200);
      expect(json).toHaveProperty("assistant");
      expect(t.logs.some((l) => l.includes("screening over budget; the call goes through unscreened"))).toBe(true);
    } finally {
      stack.redis.resume();
    }
  });

  it("lets the call through when neither Redis nor Postgres answers", async () => {
    await stack.redis.stop();
    await stack.postgres.stop();
    try {
      const { status, json } = await answerFor(BLOCKED);
      expect(status).toBe(200);
      expect(json).toHaveProperty("assistant");
      expect(t.logs.some((l) => /screening (failed|over budget)/.test(l))).toBe(true);
    } finally {
      await stack.postgres.start();
      await stack.redis.start();
      await redisAnswers();
    }
  });
});
