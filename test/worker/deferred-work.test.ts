// Protects work after the response on Workers: a tool that overruns its budget and work a tool defers both finish under waitUntil, with the request's Redis still open (it closes only once they settled).
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../src/worker.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { BASE, SECRET, type ToolAnswer, testEnv, withRedis } from "./support.ts";

async function writeLater(how: "overrun" | "defer") {
  const key = `later:${how}:${crypto.randomUUID()}`;
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/vapi/webhook`, {
      method: "POST",
      headers: { "x-vapi-secret": SECRET },
      body: JSON.stringify(toolCallsMessage([{ id: `late_${how}`, name: "write_later", args: { key, ms: 200, how } }])),
    }),
    testEnv as never,
    ctx,
  );
  const answer = ((await res.json()) as { results: ToolAnswer[] }).results[0];
  // Resolves once every waitUntil promise settled: the request's deferred work, then closing its clients.
  await waitOnExecutionContext(ctx);
  return { answer, stored: await withRedis((cache) => cache.get(key)) };
}

describe("work after the response", () => {
  it("lets a tool that overran its budget finish its writes after the caller heard the timeout sentence", async () => {
    const { answer, stored } = await writeLater("overrun");
    expect(answer).toMatchObject({ toolCallId: "late_overrun", error: "Still writing." });
    expect(stored).toBe("written");
  });

  it("keeps the request's Redis open for work the tool deferred", async () => {
    const { answer, stored } = await writeLater("defer");
    expect(answer).toMatchObject({ toolCallId: "late_defer", result: JSON.stringify({ deferred: true }) });
    expect(stored).toBe("written");
  });
});
