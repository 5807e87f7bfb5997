// Protects adaptive endpointing through the webhook: each rule of assistant.config.ts decides the turns it is meant for, within the preset's floor and ceiling, names itself in /metrics, and a malformed request still gets a wait Vapi accepts.
import { beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import type { AssistantConfig } from "../../src/assistant/define.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const schemaErrors = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);

const SCHEDULING = assistantConfig.presets.scheduling;
const bounds = SCHEDULING.adaptiveEndpointing!;
const plan = SCHEDULING.startSpeakingPlan.transcriptionEndpointingPlan!;
const secondsOf = (name: string) => {
  const rule = assistantConfig.endpointing!.rules.find((r) => r.name === name)!;
  return rule.seconds === "floor" ? bounds.floorSeconds : rule.seconds === "ceiling" ? bounds.ceilingSeconds : rule.seconds;
};

/** A request as Vapi sends it: the conversation so far, the call's assistant by its metadata. */
function request(assistant: string, caller: string | string[], preset = "scheduling") {
  const said = Array.isArray(caller) ? caller : [caller];
  return {
    message: {
      type: "call.endpointing.request",
      call: { id: "call_endpointing", phoneNumberId: "pn_main" },
      assistant: { metadata: { preset } },
      messages: [
        { role: "system", message: "You are a phone assistant.", time: 1, secondsFromStart: 0 },
        ...(assistant ? [{ role: "bot", message: assistant, time: 2, secondsFromStart: 1 }] : []),
        ...said.map((message, i) => ({ role: "user", message, time: 3 + i, secondsFromStart: 2 + i })),
      ],
    },
  };
}

const TABLE: { rule: string; assistant: string; caller: string | string[] }[] = [
  { rule: "complete-answer", assistant: "Would you like the nine o'clock slot?", caller: "Yes." },
  { rule: "complete-answer", assistant: "Morning or afternoon?", caller: "Afternoon, please." },
  { rule: "complete-answer", assistant: "Is Tuesday good for you?", caller: "Yep" },
  { rule: "reading-digits", assistant: "What's your tracking number?", caller: "It's 4 4 1" },
  { rule: "reading-digits", assistant: "And the account?", caller: "seven two nine," },
  // Speech-to-text puts a full stop at the pause between digit groups: the number is not over.
  { rule: "reading-digits", assistant: "Sure, what is it?", caller: "My account number is 4 4 1 1." },
  { rule: "reading-digits", assistant: "Go ahead.", caller: "my zip is nine oh two one oh." },
  { rule: "spelling", assistant: "How do you spell your last name?", caller: "R I V" },
  { rule: "reading-address", assistant: "Where should we send it?", caller: "221 Baker" },
  { rule: "trailing-conjunction", assistant: "What can I do for you?", caller: "I need to move my appointment and" },
  { rule: "trailing-conjunction", assistant: "What can I do for you?", caller: ["I want to book", "a cleaning for my son because"] },
  { rule: "filler", assistant: "Which day works?", caller: "Tuesday at, um," },
  // "Sure" after being asked to spell is not the answer yet.
  { rule: "asked-to-spell", assistant: "Could you spell your first name for me?", caller: "Sure" },
  { rule: "asked-for-number", assistant: "Can I have your account number?", caller: "Yes, it's on the letter" },
  { rule: "asked-for-address", assistant: "What is the address of the property?", caller: "We moved last year" },
  // No rule: the preset's own plan, by how the words end.
  { rule: "plan:punctuation", assistant: "How can I help?", caller: "I'd like to book a cleaning." },
  { rule: "plan:words", assistant: "How can I help?", caller: "I'd like to book a cleaning" },
];

describe("call.endpointing.request with adaptive endpointing", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });

  it.each(TABLE)("$rule: assistant «$assistant», caller «$caller»", async ({ rule, assistant, caller }) => {
    const before = await decisions(t, "scheduling", rule);
    const { status, json } = await t.webhook(request(assistant, caller));
    expect(status).toBe(200);
    const expected = rule.startsWith("plan:")
      ? rule === "plan:punctuation"
        ? plan.onPunctuationSeconds!
        : plan.onNoPunctuationSeconds!
      : secondsOf(rule);
    expect(json).toEqual({ timeoutSeconds: Math.min(bounds.ceilingSeconds, Math.max(bounds.floorSeconds, expected)) });
    expect(schemaErrors("ServerMessageResponseCallEndpointingRequest", json)).toBe("");
    expect(await decisions(t, "scheduling", rule)).toBe(before + 1);
  });

  it("keeps every decision within the preset's floor and ceiling", async () => {
    const rules = [
      { name: "too-short", caller: /^now$/, seconds: 0 },
      { name: "too-long", caller: /^later$/, seconds: 9 },
    ];
    const config: AssistantConfig = {
      ...assistantConfig,
      presets: {
        ...assistantConfig.presets,
        scheduling: { ...SCHEDULING, adaptiveEndpointing: { floorSeconds: 0.4, ceilingSeconds: 1.8 } },
      },
      endpointing: { rules },
    };
    const app = await createTestApp({ assistant: config });
    expect((await app.webhook(request("", "now"))).json).toEqual({ timeoutSeconds: 0.4 });
    expect((await app.webhook(request("", "later"))).json).toEqual({ timeoutSeconds: 1.8 });
    // The plan's own waits are clamped too: 0.3 s after punctuation is below this floor.
    expect((await app.webhook(request("", "Fine."))).json).toEqual({ timeoutSeconds: 0.4 });
  });

  it("answers a preset without adaptive endpointing by its own transcription plan", async () => {
    const dispatch = assistantConfig.presets.dispatch.startSpeakingPlan.transcriptionEndpointingPlan!;
    expect((await t.webhook(request("Would you like the nine o'clock slot?", "Yes.", "dispatch"))).json).toEqual({
      timeoutSeconds: dispatch.onPunctuationSeconds,
    });
    expect(await decisions(t, "dispatch", "plan:punctuation")).toBeGreaterThan(0);
  });

  it.each([
    ["no messages at all", { type: "call.endpointing.request" }],
    ["messages that are not a list", { type: "call.endpointing.request", messages: "yes" }],
    ["entries of the wrong shape", { type: "call.endpointing.request", messages: [null, 3, { role: "user", message: 42 }, { role: 7 }] }],
    ["an unknown preset", { ...request("Is that right?", "yes", "no-such-preset").message }],
    ["a huge utterance", { ...request("", `${"and ".repeat(50_000)}um`).message }],
  ])("answers %s with a wait Vapi accepts", async (_, message) => {
    const { status, json } = await t.webhook({ message });
    expect(status).toBe(200);
    expect(schemaErrors("ServerMessageResponseCallEndpointingRequest", json)).toBe("");
    expect(typeof json.timeoutSeconds).toBe("number");
  });

  it("answers the safe default when deciding fails", async () => {
    const broken: AssistantConfig = {
      ...assistantConfig,
      endpointing: {
        rules: [
          {
            name: "broken",
            caller: {
              test() {
                throw new Error("rule failed");
              },
            } as unknown as RegExp,
            seconds: 1,
          },
        ],
      },
    };
    const app = await createTestApp({ assistant: broken });
    const { status, json } = await app.webhook(request("", "hello"));
    expect(status).toBe(200);
    expect(json).toEqual({ timeoutSeconds: 1.5 });
    expect(app.logs.some((l) => l.includes("webhook handler failed"))).toBe(true);
  });
});

describe("the served assistant with adaptive endpointing", () => {
  const served = async (env: Record<string, string>) => {
    const app = await createTestApp({ env: { PUBLIC_URL: "https://sb.example.com", ...env } });
    const res = await app.app.request("/vapi/assistant?preset=scheduling", { headers: { "x-vapi-secret": TEST_SECRET } });
    return ((await res.json()) as { response: { assistant: { startSpeakingPlan: Record<string, unknown> } } }).response.assistant;
  };

  it("asks this server each turn, through the Vapi credential, in a shape Vapi's definition accepts", async () => {
    const assistant = await served({ VAPI_CREDENTIAL_ID: "cred-123" });
    expect(assistant.startSpeakingPlan.smartEndpointingPlan).toEqual({
      provider: "custom-endpointing-model",
      server: expect.objectContaining({ url: "https://sb.example.com/vapi/webhook", credentialId: "cred-123", timeoutSeconds: 1 }),
    });
    expect(schemaErrors("CreateAssistantDTO", assistant)).toBe("");
    expect(schemaErrors("CustomEndpointingModelSmartEndpointingPlan", assistant.startSpeakingPlan.smartEndpointingPlan)).toBe("");
  });

  it("keeps the preset's transcription plan when Vapi has no credential to reach this server with", async () => {
    const assistant = await served({});
    expect(assistant.startSpeakingPlan).not.toHaveProperty("smartEndpointingPlan");
    expect(assistant.startSpeakingPlan.transcriptionEndpointingPlan).toEqual(plan);
  });
});

async function decisions(t: TestApp, preset: string, rule: string): Promise<number> {
  const { body } = await t.deps.metrics.render!();
  const line = body.split("\n").find((l) => l.startsWith(`switchboard_endpointing_decisions_total{preset="${preset}",rule="${rule}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}
