// Protects a cold isolate's allowance: until it has served its first Vapi request, no tool's budget is below TOOL_COLD_BUDGET_MS (its first calls compile their code and open the first connections); then every tool has its own budget again.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { BASE, SECRET, type ToolAnswer, testEnv } from "./support.ts";

async function slowCall(env: Env): Promise<ToolAnswer | undefined> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/vapi/webhook`, {
      method: "POST",
      headers: { "x-vapi-secret": SECRET },
      // The `slow` fixture's own budget is 50 ms; it answers after 200.
      body: JSON.stringify(toolCallsMessage([{ id: "slow_1", name: "slow", args: { ms: 200 } }])),
    }),
    env,
    ctx,
  );
  const answer = ((await res.json()) as { results: ToolAnswer[] }).results[0];
  await waitOnExecutionContext(ctx);
  return answer;
}

describe("a cold isolate", () => {
  it("gives every tool at least TOOL_COLD_BUDGET_MS for its first request, then the tool's own budget", async () => {
    // A new env object is a new isolate for the Worker: nothing has run in it yet.
    const env = { ...testEnv, TOOL_COLD_BUDGET_MS: "5000" } as unknown as Env;
    expect(await slowCall(env)).toEqual({ toolCallId: "slow_1", name: "slow", result: JSON.stringify({ waited: 200, aborted: false }) });
    expect(await slowCall(env)).toMatchObject({ toolCallId: "slow_1", error: "The slow system did not answer in time." });
  });
});
