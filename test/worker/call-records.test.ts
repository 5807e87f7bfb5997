// Protects call records on Workers, which have no disk to spool to: a record is acknowledged (200) only once committed; one the database cannot take within the wait is answered 503 with Retry-After, so Vapi's backoff plan delivers it again, and that delivery is stored.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/client.ts";
import { calls } from "../../src/db/schema/index.ts";
import { bundledTools } from "../../src/generated/tools.ts";
import { createBusinessServices } from "../../src/runtime/business-services.ts";
import { createWorker, type WorkerEnv } from "../../src/runtime/create-worker.ts";
import { endOfCallReport, statusUpdate, testCallId } from "../support/vapi-messages.ts";
import { BASE, SECRET, testEnv } from "./support.ts";

const worker = createWorker({
  tools: bundledTools,
  services: (scope) =>
    createBusinessServices(scope.config, { db: scope.db, logger: scope.logger, paymentLinkSecret: scope.config.PAYMENT_LINK_SECRET }),
});

async function send(env: WorkerEnv, body: unknown): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/vapi/webhook`, { method: "POST", headers: { "x-vapi-secret": SECRET }, body: JSON.stringify(body) }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const stored = async (callId: string) => {
  // This test's own client; the runtime closes its socket when the test ends.
  const { db } = createDatabase(testEnv.HYPERDRIVE.connectionString, { max: 1, fetchTypes: false });
  return (await db.select().from(calls).where(eq(calls.callId, callId)))[0];
};

describe("call records on Workers", () => {
  it("acknowledges a report and a status update once committed", async () => {
    const callId = testCallId();
    const env = { ...testEnv } as WorkerEnv;
    expect((await send(env, statusUpdate("in-progress", { callId }))).status).toBe(200);
    const res = await send(env, endOfCallReport(200_000, { callId }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(await stored(callId)).toMatchObject({ status: "ended", endedReason: "customer-ended-call" });
  });

  it("stores a report's structured outputs by key, redacted, as on Node", async () => {
    const callId = testCallId();
    const report = endOfCallReport(10_000, { callId, caller: "+15550107777" });
    const structuredOutputs = {
      "id-1": { name: "Switchboard followUpNeeded", result: true },
      "id-2": { name: "Switchboard summary", result: "Caller +15550107777 wants a callback." },
    };
    const res = await send({ ...testEnv } as WorkerEnv, {
      message: { ...report.message, artifact: { ...report.message.artifact, structuredOutputs } },
    });
    expect(res.status).toBe(200);
    expect((await stored(callId))?.structuredOutputs).toEqual({
      followUpNeeded: true,
      summary: "Caller [caller number] wants a callback.",
    });
  });

  it("answers 503 with Retry-After when the database cannot take the record, and stores Vapi's redelivery", async () => {
    const callId = testCallId();
    // A database that refuses every statement (this one does not exist on the server).
    const url = new URL(testEnv.HYPERDRIVE.connectionString);
    url.pathname = "/switchboard_no_such_database";
    const down = { ...testEnv, HYPERDRIVE: { connectionString: url.toString() } } as WorkerEnv;
    const refused = await send(down, endOfCallReport(50_000, { callId }));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect(await refused.json()).toMatchObject({ error: { code: "not_stored" } });
    expect(await stored(callId)).toBeUndefined();

    const redelivered = await send({ ...testEnv } as WorkerEnv, endOfCallReport(50_000, { callId }));
    expect(redelivered.status).toBe(200);
    expect((await stored(callId))?.endedReason).toBe("customer-ended-call");
  });

  it("bounds the memory of bodies per isolate: one that could never fit the budget is refused before parsing", async () => {
    const small = { ...testEnv, BODY_MEMORY_BUDGET_BYTES: "2000000" } as WorkerEnv;
    const res = await send(small, endOfCallReport(1_000_000, { callId: testCallId() }));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });
});
