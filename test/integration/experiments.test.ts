// Protects experiments: inbound calls routed to the control preset are split with the treatment by the configured share, the same caller always lands in the same arm, the served assistant names its arm, and the end-of-call report files the call under it.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { type AssistantConfig, AssistantConfigError, defineAssistantConfig } from "../../src/assistant/define.ts";
import { bucketOf } from "../../src/assistant/experiments.ts";
import { callLatencies } from "../../src/db/schema/index.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { reportWithMetrics } from "../support/latency-reports.ts";
import { testCallId } from "../support/vapi-messages.ts";

const withExperiment = (treatmentPercent: number): AssistantConfig => ({
  ...assistantConfig,
  presetByPhoneNumberId: { "pn-dispatch": "dispatch" },
  experiments: [{ name: "adaptive-trial", control: "dispatch", treatment: "scheduling", treatmentPercent }],
});

/** The caller numbers +1555020xxxx, i from 0. */
const caller = (i: number) => `+1555020${String(i).padStart(4, "0")}`;

async function served(t: TestApp, number: string | undefined, phoneNumberId = "pn-dispatch") {
  const { json } = await t.webhook({
    message: {
      type: "assistant-request",
      call: { id: testCallId(), type: "inboundPhoneCall", phoneNumberId, ...(number ? { customer: { number } } : {}) },
    },
  });
  return (json.assistant as { metadata: Record<string, string> }).metadata;
}

describe("an experiment splitting dispatch calls with scheduling", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ assistant: withExperiment(30) });
  });

  it("serves the treatment to the share of callers whose hash falls under it, the same arm on every call", async () => {
    const arms: string[] = [];
    for (let i = 0; i < 40; i++) {
      const metadata = await served(t, caller(i));
      const expected = bucketOf(`adaptive-trial:${caller(i)}`) < 30 ? "scheduling" : "dispatch";
      expect(metadata).toEqual({ preset: expected, experiment: "adaptive-trial", arm: expected });
      arms.push(metadata.arm!);
    }
    // Both arms are served; the split follows the hash (checked call by call above).
    expect(new Set(arms)).toEqual(new Set(["dispatch", "scheduling"]));
    for (const i of [0, 1, 2, 3]) expect((await served(t, caller(i))).arm).toBe(arms[i]);
  });

  it("leaves calls to other presets and callers without a number out of it", async () => {
    expect(await served(t, caller(1), "pn-other")).toEqual({ preset: "support" });
    expect(await served(t, undefined)).toEqual({ preset: "dispatch" });
  });

  it("files the call's latency under its experiment and arm from the end-of-call report", async () => {
    const callId = testCallId();
    const metadata = await served(t, caller(7));
    await t.webhook(reportWithMetrics(callId, { preset: metadata.preset!, metadata }));
    const [row] = await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, callId));
    expect(row).toMatchObject({ experiment: "adaptive-trial", arm: metadata.arm, preset: metadata.preset });
  });

  it("files only a configured experiment and one of its arms: names a report invents are not stored", async () => {
    const invented = [
      { experiment: "attacker-1", arm: "dispatch" },
      { experiment: "adaptive-trial", arm: "arm-9" },
      { experiment: "\u001b[2J\u001b[31mFAKE: all budgets met\u001b[0m", arm: "\u001b]0;pwned\u0007" },
    ];
    for (const metadata of invented) {
      const callId = testCallId();
      expect((await t.webhook(reportWithMetrics(callId, { preset: "dispatch", metadata }))).status).toBe(200);
      const [row] = await t.deps.db.select().from(callLatencies).where(eq(callLatencies.callId, callId));
      expect(row, metadata.experiment).toMatchObject({ experiment: null, arm: null, preset: "dispatch", turns: 3 });
    }
  });

  it("serves everyone the control at 0% and the treatment at 100%", async () => {
    const none = await createTestApp({ assistant: withExperiment(0) });
    const all = await createTestApp({ assistant: withExperiment(100) });
    for (let i = 0; i < 10; i++) {
      expect((await served(none, caller(i))).arm).toBe("dispatch");
      expect((await served(all, caller(i))).arm).toBe("scheduling");
    }
  });

  it("refuses an experiment that cannot work, naming each problem", () => {
    const bad = {
      ...assistantConfig,
      experiments: [
        { name: "Bad Name", control: "dispatch", treatment: "dispatch", treatmentPercent: 120 },
        { name: "other", control: "dispatch", treatment: "nope", treatmentPercent: 10 },
      ],
    };
    expect(() => defineAssistantConfig(bad)).toThrow(AssistantConfigError);
    try {
      defineAssistantConfig(bad);
    } catch (err) {
      expect((err as AssistantConfigError).problems).toEqual([
        "experiments[0] (Bad Name): name must be lower-case letters, digits and dashes, at most 40",
        "experiments[0] (Bad Name): control and treatment are the same preset",
        "experiments[0] (Bad Name): treatmentPercent must be from 0 to 100",
        'experiments[1] (other): unknown preset "nope"',
        'experiments[1] (other): another experiment already splits "dispatch"',
      ]);
    }
  });
});
