// Protects the Workers entry's own duties: fail closed on a bad config, per-request services over the request's clients, deferred work kept alive by waitUntil.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { bundledTools } from "../../src/generated/tools.ts";
import { createBusinessServices } from "../../src/runtime/business-services.ts";
import { createWorker, type WorkerEnv } from "../../src/runtime/create-worker.ts";
import worker from "../../src/worker.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { BASE, SECRET, testEnv } from "./support.ts";

const post = (body: unknown, secret = SECRET) =>
  new Request(`${BASE}/vapi/webhook`, { method: "POST", headers: { "x-vapi-secret": secret }, body: JSON.stringify(body) });

describe("configuration", () => {
  it("answers 503 without a Vapi secret, naming nothing secret in the body and the reason in the log", async () => {
    const env = { HYPERDRIVE: testEnv.HYPERDRIVE, LOG_LEVEL: "silent" } as unknown as Env;
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const ctx = createExecutionContext();
    const res = await worker.fetch(post(toolCallsMessage([{ name: "get_business_hours" }])), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: "misconfigured", message: "The server is misconfigured; see its logs." } });
    expect(logged).toHaveBeenCalledWith(expect.stringContaining("VAPI_SECRET: required on Workers"));
    logged.mockRestore();
  });
});

describe("payment link secret", () => {
  it("answers 503 with signed payment links but no PAYMENT_LINK_SECRET, and names the variable in the log", async () => {
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const env = { HYPERDRIVE: testEnv.HYPERDRIVE, VAPI_SECRET: SECRET, LOG_LEVEL: "silent" } as unknown as Env;
      const ctx = createExecutionContext();
      const res = await worker.fetch(post(toolCallsMessage([{ name: "get_business_hours" }])), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(503);
      expect(logged.mock.calls.flat().join("\n")).toMatch(/PAYMENT_LINK_SECRET: required on Workers when PAYMENT_PROVIDER=link/);
    } finally {
      logged.mockRestore();
    }
  });

  it("needs none when Stripe takes the payments", async () => {
    const env = {
      ...testEnv,
      PAYMENT_LINK_SECRET: undefined,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_123",
      STRIPE_SUCCESS_URL: "https://example.com/thanks",
    } as unknown as Env;
    const ctx = createExecutionContext();
    const res = await worker.fetch(post(toolCallsMessage([{ id: "stripe_only", name: "get_business_hours" }])), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
  });
});

describe("per-request services and deferred work", () => {
  it("builds services over the request's own database and keeps deferred work alive past the response", async () => {
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = createWorker({
      tools: bundledTools,
      services: async ({ config, db, logger, defer }) => {
        const [row] = await db.execute<{ n: number }>(sql`select 41 + 1 as n`);
        seen.push(`query:${row?.n}`);
        defer(
          gate.then(() => seen.push("deferred done")),
          "test work",
        );
        defer(Promise.reject(new Error("deferred failure")), "failing work");
        return createBusinessServices(config, { db, logger });
      },
    });
    const env = { ...testEnv } as WorkerEnv;
    const ctx = createExecutionContext();
    const res = await worker.fetch(post(toolCallsMessage([{ id: "svc_1", name: "get_business_hours" }])), env, ctx);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: { toolCallId: string; result?: string }[] }).results[0]).toMatchObject({
      toolCallId: "svc_1",
      result: expect.stringMatching(/"hours":"(\d{1,2} (AM|PM) to \d{1,2} (AM|PM)|closed all day)"/),
    });
    expect(seen).toEqual(["query:42"]);
    release();
    // Resolves only when every waitUntil promise settled; the failing one was caught and logged.
    await waitOnExecutionContext(ctx);
    expect(seen).toEqual(["query:42", "deferred done"]);
  });

  it("answers a JSON 500 without internals when building the request's services fails", async () => {
    const worker = createWorker({
      tools: bundledTools,
      services: () => {
        throw new Error("payment provider key postgres://secret@db is malformed");
      },
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(post(toolCallsMessage([{ name: "get_business_hours" }])), { ...testEnv } as WorkerEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "Internal error." } });
  });
});

describe("logs", () => {
  it("writes each record through the console method of its level, which Workers Logs records as the level", async () => {
    const calls: { method: string; level: string; msg: string }[] = [];
    const spies = (["log", "debug", "info", "warn", "error"] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((line: string) => {
        const record = JSON.parse(line) as { level: string; msg: string };
        calls.push({ method, level: record.level, msg: record.msg });
      }),
    );
    try {
      const ctx = createExecutionContext();
      // A fresh env object: an isolate of its own, logging at info.
      const env = { ...testEnv, LOG_LEVEL: "info" } as unknown as Env;
      const res = await worker.fetch(post(toolCallsMessage([{ id: "boom", name: "explode", args: { how: "bug" } }])), env, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(200);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(calls.length).toBeGreaterThan(1);
    for (const call of calls) expect(call.method).toBe(call.level);
    expect(calls.map((c) => c.level)).toEqual(expect.arrayContaining(["info", "error"]));
  });
});
