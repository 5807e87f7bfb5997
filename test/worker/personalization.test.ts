// Protects personalization on Workers: a profile lookup that overruns its budget still fills the cache under waitUntil (so the caller's next call is personalized), and a cold isolate gets PERSONALIZATION_COLD_BUDGET_MS.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CallerProfileContributor } from "../../src/assistant/caller-profile.ts";
import { callerProfileContributors } from "../../src/assistant/contributors/index.ts";
import { bundledTools } from "../../src/generated/tools.ts";
import { createBusinessServices } from "../../src/runtime/business-services.ts";
import { createWorker, type WorkerEnv } from "../../src/runtime/create-worker.ts";
import { ensureCustomer } from "../../src/services/customers.ts";
import { assistantRequest } from "../support/vapi-messages.ts";
import { BASE, SECRET, seed, testEnv, uniquePhone } from "./support.ts";

/**
 * A profile source that takes as long as the test says: its lookup for a caller waits until that
 * caller's gate opens (or the lookup's own background limit aborts it).
 */
const gates = new Map<string, Promise<void>>();
const gated: CallerProfileContributor = {
  name: "gated",
  async load(_deps, callerNumber, signal) {
    const gate = gates.get(callerNumber);
    if (gate) {
      await Promise.race([gate, new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }))]);
    }
    return {};
  },
};

function gate(caller: string): () => void {
  let open!: () => void;
  gates.set(caller, new Promise<void>((resolve) => (open = resolve)));
  return open;
}

const worker = createWorker({
  tools: bundledTools,
  services: (scope) => createBusinessServices(scope.config, { db: scope.db, logger: scope.logger }),
  profileContributors: [...callerProfileContributors, gated],
});

/** One assistant-request through the Worker; `settled` resolves once its waitUntil work has. */
async function call(env: WorkerEnv, caller: string) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/vapi/webhook`, {
      method: "POST",
      headers: { "x-vapi-secret": SECRET, "content-type": "application/json" },
      body: JSON.stringify(assistantRequest({ caller })),
    }),
    env,
    ctx,
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { assistantOverrides: { variableValues: Record<string, string> } };
  return { callerName: body.assistantOverrides.variableValues.callerName, settled: () => waitOnExecutionContext(ctx) };
}

async function knownCaller(name: string) {
  const caller = uniquePhone();
  await seed((ctx) => ensureCustomer(ctx, { phone: caller, name }));
  return caller;
}

describe("a lookup over its budget", () => {
  it("fills the cache after the response, so the caller's next call is personalized", async () => {
    // Warm budgets only (cold = warm), so the first call overruns for sure while its source is held.
    const env = { ...testEnv, PERSONALIZATION_BUDGET_MS: "300", PERSONALIZATION_COLD_BUDGET_MS: "300" } as WorkerEnv;
    const caller = await knownCaller("Casey Quinn");
    const release = gate(caller);
    const first = await call(env, caller);
    expect(first.callerName).toBe("");
    // The lookup goes on under waitUntil; the request's Redis stays open until it has stored the profile.
    release();
    await first.settled();
    // Held again: the next call can only be personalized from what the first one cached.
    gate(caller);
    const second = await call(env, caller);
    expect(second.callerName).toBe("Casey Quinn");
    await second.settled();
  });
});

describe("a cold isolate", () => {
  it("gets PERSONALIZATION_COLD_BUDGET_MS until it has served a Vapi request, then PERSONALIZATION_BUDGET_MS", async () => {
    // A new env object is a new isolate for the Worker: config parsed again, nothing warm yet.
    const env = { ...testEnv, PERSONALIZATION_BUDGET_MS: "1", PERSONALIZATION_COLD_BUDGET_MS: "5000" } as WorkerEnv;
    const coldCaller = await knownCaller("Dana Cold");
    const releaseCold = gate(coldCaller);
    const pending = call(env, coldCaller);
    // Held past the 1 ms warm budget, well within the cold one.
    setTimeout(releaseCold, 50);
    const cold = await pending;
    expect(cold.callerName).toBe("Dana Cold");
    await cold.settled();

    const warmCaller = await knownCaller("Eli Warm");
    const releaseWarm = gate(warmCaller);
    setTimeout(releaseWarm, 50);
    const warm = await call(env, warmCaller);
    expect(warm.callerName).toBe("");
    await warm.settled();
  });
});
