// Protects the per-turn latency record: end-of-call reports with known performance metrics produce exactly the expected rows and /metrics histogram counts, labelled by preset and endpointing mode, and a duplicate report counts nothing twice.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { callLatencies, callTurnLatencies } from "../../src/db/schema/index.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { reportWithMetrics } from "../support/latency-reports.ts";
import { testCallId } from "../support/vapi-messages.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});

/** The value of one sample line of /metrics (0 when absent). */
async function sample(name: string, labels: Record<string, string>): Promise<number> {
  const { body } = await t.deps.metrics.render!();
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  for (const line of body.split("\n")) {
    const m = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2]!.split(/,(?=[a-z_]+=")/).sort();
    if (have.length === want.length && have.every((l, i) => l === want[i])) return Number(m[3]);
  }
  return 0;
}

describe("end-of-call reports with performance metrics", () => {
  it("store the call's labels and every turn, and observe each stage once per turn", async () => {
    const callId = testCallId();
    const before = {
      turns: await sample("switchboard_turn_latency_seconds_count", { preset: "scheduling", stage: "turn" }),
      within: await sample("switchboard_turn_latency_seconds_bucket", { preset: "scheduling", stage: "turn", le: "0.5" }),
      model: await sample("switchboard_turn_latency_seconds_bucket", { preset: "scheduling", stage: "model", le: "0.15" }),
      user: await sample("switchboard_interruptions_total", { preset: "scheduling", who: "user" }),
      assistant: await sample("switchboard_interruptions_total", { preset: "scheduling", who: "assistant" }),
    };
    const res = await t.webhook(reportWithMetrics(callId, { preset: "scheduling", provider: "custom-endpointing-model" }));
    expect(res.status).toBe(200);

    const [call] = await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, callId));
    expect(call).toMatchObject({
      preset: "scheduling",
      endpointingMode: "adaptive",
      phoneNumberId: "pn-latency",
      turns: 3,
      userInterrupted: 1,
      assistantInterrupted: 2,
      transferred: false,
      durationSeconds: 90,
    });
    const turns = await t.deps.db
      .select()
      .from(callTurnLatencies)
      .where(eq(callTurnLatencies.callId, callId))
      .orderBy(callTurnLatencies.turn);
    expect(turns.map((r) => [r.turn, r.transcriberMs, r.endpointingMs, r.modelMs, r.voiceMs, r.turnMs])).toEqual([
      [1, 120, 90, 140, 110, 460],
      [2, 200, 300, 150, 150, 500],
      [3, 260, 1600, 420, 180, 2460],
    ]);

    expect(await sample("switchboard_turn_latency_seconds_count", { preset: "scheduling", stage: "turn" })).toBe(before.turns + 3);
    // 460 and 500 ms are within the 500 ms bucket; 2460 is not.
    expect(await sample("switchboard_turn_latency_seconds_bucket", { preset: "scheduling", stage: "turn", le: "0.5" })).toBe(
      before.within + 2,
    );
    expect(await sample("switchboard_turn_latency_seconds_bucket", { preset: "scheduling", stage: "model", le: "0.15" })).toBe(
      before.model + 2,
    );
    expect(await sample("switchboard_interruptions_total", { preset: "scheduling", who: "user" })).toBe(before.user + 1);
    expect(await sample("switchboard_interruptions_total", { preset: "scheduling", who: "assistant" })).toBe(before.assistant + 2);
  });

  it("count nothing twice when the same report arrives again", async () => {
    const callId = testCallId();
    const report = reportWithMetrics(callId, { preset: "dispatch" });
    await t.webhook(report);
    const count = await sample("switchboard_turn_latency_seconds_count", { preset: "dispatch", stage: "voice" });
    const calls = await sample("switchboard_latency_reported_calls_total", { preset: "dispatch" });
    const again = await t.webhook(report);
    expect(again.status).toBe(200);
    expect(await sample("switchboard_turn_latency_seconds_count", { preset: "dispatch", stage: "voice" })).toBe(count);
    expect(await sample("switchboard_latency_reported_calls_total", { preset: "dispatch" })).toBe(calls);
    expect(await t.deps.db.select().from(callTurnLatencies).where(eq(callTurnLatencies.callId, callId))).toHaveLength(3);
    expect(await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, callId))).toHaveLength(1);
  });

  it("label a report without its assistant by the number's preset, and an unknown preset likewise", async () => {
    const plain = testCallId();
    await t.webhook(reportWithMetrics(plain, { endedReason: "assistant-forwarded-call" }));
    const [row] = await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, plain));
    // No preset for pn-latency: the config's default, support, on LiveKit's smart endpointing.
    expect(row).toMatchObject({ preset: "support", endpointingMode: "livekit", transferred: true });
    const forged = testCallId();
    await t.webhook(reportWithMetrics(forged, { preset: "x".repeat(40) }));
    expect((await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, forged)))[0]?.preset).toBe("support");
  });

  it("keep the numbers that make sense from malformed metrics, and store a report without metrics as before", async () => {
    const odd = testCallId();
    const turns = [{ turnLatency: "fast", modelLatency: -5, voiceLatency: 130 }, "not a turn", { turnLatency: 700 }];
    expect((await t.webhook(reportWithMetrics(odd, { preset: "dispatch", turns }))).status).toBe(200);
    const rows = await t.deps.db.select().from(callTurnLatencies).where(eq(callTurnLatencies.callId, odd)).orderBy(callTurnLatencies.turn);
    expect(rows.map((r) => [r.turn, r.modelMs, r.voiceMs, r.turnMs])).toEqual([
      [1, null, 130, null],
      [2, null, null, null],
      [3, null, null, 700],
    ]);
    const none = testCallId();
    const report = reportWithMetrics(none, { preset: "dispatch" });
    delete (report.message.artifact as { performanceMetrics?: unknown }).performanceMetrics;
    expect((await t.webhook(report)).status).toBe(200);
    expect(await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, none))).toEqual([]);
  });
});
