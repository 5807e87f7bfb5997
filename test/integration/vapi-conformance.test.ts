// Protects what Vapi's API accepts from Switchboard: every server message type of Vapi's definition, SDK-shaped, answered through the webhook with a response Vapi's published schema accepts; the served assistant of every preset and every tool definition valid as Vapi declares them.
import { readFileSync } from "node:fs";
import type { Vapi } from "@vapi-ai/server-sdk";
import { beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { buildAssistant } from "../../src/assistant/build.ts";
import type { CallerProfile, CallerProfileContributor } from "../../src/assistant/caller-profile.ts";
import { PRESET_NAMES, type PresetName } from "../../src/assistant/define.ts";
import { toVapiTool } from "../../src/assistant/vapi-tools.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { HANDOFF_DECLINED, HANDOFF_DECLINED_TRANSFER } from "../../src/server-messages/handoff-destination-request.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";
import { SERVER_MESSAGES } from "../../src/vapi/server-target.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { defaultVapiOpenApiPath, formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

type MessageType = NonNullable<Vapi.ServerMessageMessage["type"]>;
type Node = Record<string, unknown>;

const CALLER = "+15550104242";
const CREDENTIAL_ID = "c4ed0000-aaaa-4bbb-8ccc-ad0e1f2a3b4c";
const now = "2026-01-05T17:00:00.000Z";
const call: Vapi.Call = {
  id: "a7f0c1d2-aaaa-4bbb-8ccc-ad0e1f2a3b4c",
  orgId: "a1b2c3d4-aaaa-4bbb-8ccc-ad0e1f2a3b4c",
  createdAt: now,
  updatedAt: now,
  type: "inboundPhoneCall",
  status: "in-progress",
  phoneNumberId: "a9e8d7c6-aaaa-4bbb-8ccc-ad0e1f2a3b4c",
  customer: { number: CALLER },
};
const openAi: Vapi.OpenAiMessage[] = [
  { role: "assistant", content: "How can I help?" },
  { role: "user", content: "My tracking number is 1Z 42." },
];
// The SDK types `arguments` as a string (real payloads also carry an object; both are tested elsewhere).
const toolCall = {
  id: "call_conformance_1",
  type: "function" as const,
  function: { name: "get_business_hours", arguments: '{"day":"Monday"}' },
};

/**
 * One payload per message type Vapi's SDK defines, typed by the SDK (a type it adds fails the
 * typecheck here) and checked against the document's own message schema below.
 */
const payloads: Record<MessageType, Vapi.ServerMessageMessage> = {
  "assistant-request": { type: "assistant-request", call, customer: { number: CALLER }, timestamp: Date.now() },
  "conversation-update": { type: "conversation-update", messagesOpenAIFormatted: openAi, call },
  "end-of-call-report": {
    type: "end-of-call-report",
    endedReason: "customer-ended-call",
    artifact: { transcript: "AI: How can I help?\nUser: Bye.", messages: [] },
    analysis: { summary: "Conformance call." },
    call,
  },
  "handoff-destination-request": { type: "handoff-destination-request", parameters: { destination: "billing" }, call },
  hang: { type: "hang", call },
  "knowledge-base-request": { type: "knowledge-base-request", messagesOpenAIFormatted: openAi, call },
  "model-output": { type: "model-output", output: { token: "Let me check." }, call },
  "phone-call-control": { type: "phone-call-control", request: "hang-up", call },
  "speech-update": { type: "speech-update", status: "started", role: "user", call },
  "status-update": { type: "status-update", status: "in-progress", call },
  "tool-calls": {
    type: "tool-calls",
    toolCallList: [toolCall],
    toolWithToolCallList: [{ type: "function", function: { name: "get_business_hours" }, toolCall }],
    call,
  },
  "transfer-destination-request": { type: "transfer-destination-request", call },
  "transfer-update": { type: "transfer-update", destination: { type: "number", number: "+15557654321" }, call },
  transcript: { type: "transcript", role: "user", transcriptType: "final", transcript: "Hello.", call },
  'transcript[transcriptType="final"]': {
    type: 'transcript[transcriptType="final"]',
    role: "user",
    transcriptType: "final",
    transcript: "Hello.",
    call,
  },
  "user-interrupted": { type: "user-interrupted", call },
  "language-change-detected": { type: "language-change-detected", language: "es", call },
  "voice-input": { type: "voice-input", input: "Hello.", call },
  "assistant.speechStarted": { type: "assistant.speechStarted", text: "Hello.", call },
  "voice-request": { type: "voice-request", text: "Hello.", sampleRate: 24000, call },
  "call.endpointing.request": {
    type: "call.endpointing.request",
    messagesOpenAIFormatted: openAi,
    messages: [{ role: "user", message: "My tracking number is 1Z 42", time: 1, secondsFromStart: 1 }],
    call,
  } as Vapi.ServerMessageCallEndpointingRequest,
  "chat.created": { type: "chat.created", chat: { id: call.id, orgId: call.orgId, createdAt: now, updatedAt: now } },
  "chat.deleted": { type: "chat.deleted", chat: { id: call.id, orgId: call.orgId, createdAt: now, updatedAt: now } },
  "session.created": { type: "session.created", session: { id: call.id, orgId: call.orgId, createdAt: now, updatedAt: now } },
  "session.updated": { type: "session.updated", session: { id: call.id, orgId: call.orgId, createdAt: now, updatedAt: now } },
  "session.deleted": { type: "session.deleted", session: { id: call.id, orgId: call.orgId, createdAt: now, updatedAt: now } },
  "call.deleted": { type: "call.deleted", call },
  "call.delete.failed": { type: "call.delete.failed", call },
  "call.artifact.upload": { type: "call.artifact.upload", artifacts: [], call } as unknown as Vapi.ServerMessageMessage,
  "campaign.predial": {
    type: "campaign.predial",
    campaignId: "c0ffee00-aaaa-4bbb-8ccc-ad0e1f2a3b4c",
    contact: { id: "c1", campaignId: "c0ffee00-aaaa-4bbb-8ccc-ad0e1f2a3b4c", orgId: call.orgId, number: CALLER, createdAt: now },
  },
};

/** Every message type of Vapi's published `ServerMessage`, with its schema and (if any) its response schema. */
function documentedTypes(): { type: string; schema: string; response: string | undefined }[] {
  type Schema = { properties: Record<string, Node> };
  const document = JSON.parse(readFileSync(defaultVapiOpenApiPath(), "utf8")) as { components: { schemas: Record<string, Schema> } };
  const schemas = document.components.schemas;
  const alternatives = (schemas.ServerMessage!.properties.message as { oneOf: { $ref: string }[] }).oneOf;
  return alternatives.flatMap(({ $ref }) => {
    const schema = $ref.split("/").pop()!;
    const response = `ServerMessageResponse${schema.slice("ServerMessage".length)}`;
    const types = (schemas[schema]!.properties.type as { enum: string[] }).enum;
    return types.map((type) => ({ type, schema, response: response in schemas ? response : undefined }));
  });
}

/** A profile with every field, so personalization puts everything it can into the assistant. */
const fullProfile: CallerProfile = {
  name: "Dana Whitfield",
  previousCalls: 3,
  lastCall: { summary: "Asked about parcel 1Z 42.", endedAt: "2026-01-02T10:00:00.000Z" },
  openShipments: [{ reference: "1ZDEMO0002", status: "in transit", eta: "Friday" }],
  nextAppointment: { service: "Consultation", startsAt: "2026-01-08T15:00:00.000Z", time: "Thursday, January 8 at 10:00 AM" },
};
const everything: CallerProfileContributor = { name: "everything", load: async () => fullProfile };

let t: TestApp;
let noTransfers: TestApp;

beforeAll(async () => {
  // Compiling Vapi's document takes seconds once per process.
  vapiValidator().validate("CreateAssistantDTO", { name: "warm" });
  const clock = fixedClock(now);
  t = await createTestApp({
    clock,
    env: {
      TRANSFER_NUMBER: "+15557654321",
      PUBLIC_URL: "https://sb.example.com",
      PERSONALIZATION_BUDGET_MS: "5000",
      VAPI_CREDENTIAL_ID: CREDENTIAL_ID,
    },
    profileContributors: [everything],
  });
  noTransfers = await createTestApp({
    clock,
    assistant: {
      ...assistantConfig,
      handoff: { ...assistantConfig.handoff, rules: assistantConfig.handoff.rules.map(({ destination: _, ...r }) => r) },
    },
  });
}, 60_000);

/** The errors Vapi's definition finds in `value`, one per line ("" when it accepts it). */
const errorsOf = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);

describe("every server message type", () => {
  it("has an SDK-shaped payload here for each type the document defines, and the document accepts each", () => {
    const documented = documentedTypes();
    expect(documented.map((d) => d.type).sort()).toEqual(Object.keys(payloads).sort());
    for (const { type, schema } of documented) {
      expect(errorsOf("ServerMessage", { message: payloads[type as MessageType] }), type).toBe("");
      expect(errorsOf(schema, payloads[type as MessageType]), type).toBe("");
    }
  });

  it("gets HTTP 200 and an answer Vapi's response schema accepts, or {} where Vapi expects none", async () => {
    const unanswered: string[] = [];
    for (const { type, response } of documentedTypes()) {
      const { status, json } = await t.webhook({ message: payloads[type as MessageType] });
      expect(status, type).toBe(200);
      if (type === "voice-request") continue; // raw audio, never routed here: see below
      if (response) expect(errorsOf(response, json), `${type} → ${JSON.stringify(json)}`).toBe("");
      else if (JSON.stringify(json) !== "{}") unanswered.push(`${type}: ${JSON.stringify(json)}`);
    }
    expect(unanswered).toEqual([]);
  });

  it("answers tool-calls with the tool's result under its exact id", async () => {
    const { json } = await t.webhook({ message: payloads["tool-calls"] });
    expect(json.results).toEqual([expect.objectContaining({ toolCallId: "call_conformance_1", name: "get_business_hours" })]);
    expect(JSON.parse(json.results?.[0]?.result ?? "{}")).toMatchObject({ day: "Monday", hours: "8 AM to 6 PM" });
  });

  it("answers campaign.predial by the stated rule: a dialable E.164 number is eligible, anything else is not", async () => {
    const predial = payloads["campaign.predial"] as Vapi.ServerMessageCampaignPredial;
    const withNumber = (number: string) => t.webhook({ message: { ...predial, contact: { ...predial.contact, number } } });
    expect((await withNumber(CALLER)).json).toEqual({ eligible: true });
    expect((await withNumber("0800 FLOWERS")).json).toEqual({ eligible: false });
  });

  it("answers call.endpointing.request with the preset's own endpointing wait for how the caller's words end, or its adaptive rules", async () => {
    const endpointing = payloads["call.endpointing.request"] as Vapi.ServerMessageCallEndpointingRequest;
    const ask = async (preset: PresetName, words: string) =>
      (
        await t.webhook({
          message: {
            ...endpointing,
            assistant: { metadata: { preset } },
            messages: [{ role: "user", message: words, time: 1, secondsFromStart: 1 }],
          },
        })
      ).json.timeoutSeconds;
    const plan = (p: PresetName) => assistantConfig.presets[p].startSpeakingPlan.transcriptionEndpointingPlan!;
    expect(await ask("dispatch", "Load 4411")).toBe(plan("dispatch").onNumberSeconds);
    expect(await ask("dispatch", "Where is it?")).toBe(plan("dispatch").onPunctuationSeconds);
    expect(await ask("support", "Tuesday at um")).toBe(plan("support").onNoPunctuationSeconds);
    // Scheduling decides by its adaptive rules (test/integration/adaptive-endpointing.test.ts): a filler waits the ceiling.
    expect(await ask("scheduling", "Tuesday at um")).toBe(assistantConfig.presets.scheduling.adaptiveEndpointing!.ceilingSeconds);
    // No preset named in the message: the call's preset (the default, support).
    expect((await t.webhook({ message: endpointing })).json.timeoutSeconds).toBe(plan("support").onNumberSeconds);
  });

  it("answers handoff-destination-request with a squad member Vapi accepts, and declines truthfully for an assistant in no squad", async () => {
    const message = payloads["handoff-destination-request"] as Vapi.ServerMessageHandoffDestinationRequest;
    const fromReception = {
      ...message,
      assistant: { name: "Switchboard reception", metadata: { squad: "frontDesk", member: "reception" } },
    };
    const { json } = await t.webhook({ message: fromReception });
    expect(json).toMatchObject({ destination: { type: "assistant", assistantName: "Switchboard billing" } });
    expect(errorsOf("ServerMessageResponseHandoffDestinationRequest", json)).toBe("");
    expect(errorsOf("HandoffDestinationAssistant", json.destination)).toBe("");
    const refused = await t.webhook({ message: { ...fromReception, parameters: { destination: "dynamic", desk: "legal" } } });
    expect(refused.json).toMatchObject({ destination: {}, error: expect.stringContaining(`No desk is called "legal"`) });
    expect(errorsOf("ServerMessageResponseHandoffDestinationRequest", refused.json)).toBe("");
    const fromPreset = { ...message, assistant: { name: "Switchboard (support)", metadata: { preset: "support" } } };
    expect((await t.webhook({ message: fromPreset })).json).toEqual({ destination: {}, error: HANDOFF_DECLINED_TRANSFER });
    expect((await noTransfers.webhook({ message: fromPreset })).json).toEqual({ destination: {}, error: HANDOFF_DECLINED });
  });

  it("answers assistant-request with a transient squad, a rejection or a forward, each in a shape Vapi accepts", async () => {
    const request = payloads["assistant-request"] as Vapi.ServerMessageAssistantRequest;
    const squad = await t.webhook({ message: { ...request, call: { ...call, phoneNumberId: "demo-front-desk" } } });
    expect(squad.json).toHaveProperty("squad");
    expect(errorsOf("ServerMessageResponseAssistantRequest", squad.json)).toBe("");
    const { members } = squad.json.squad as { members: { assistant: Node }[] };
    for (const member of members) expect(errorsOf("CreateAssistantDTO", member.assistant)).toBe("");
    // A caller ID with an area code starting 0 is no phone's: the sample configuration rejects it.
    const spoofed = await t.webhook({ message: { ...request, call: { ...call, customer: { number: "+10005550100" } } } });
    expect(spoofed.json).toEqual({ error: assistantConfig.screening!.rejectInvalid!.message });
    expect(errorsOf("ServerMessageResponseAssistantRequest", spoofed.json)).toBe("");
    const forwarding = await createTestApp({
      env: { TRANSFER_NUMBER: "+15557654321" },
      assistant: { ...assistantConfig, routing: [{ name: "everyone", forward: { message: "Connecting you now." } }] },
    });
    const forwarded = await forwarding.webhook({ message: request });
    expect(forwarded.json).toEqual({ destination: { type: "number", number: "+15557654321", message: "Connecting you now." } });
    expect(errorsOf("ServerMessageResponseAssistantRequest", forwarded.json)).toBe("");
  });

  it("never has voice-request routed here: no preset speaks through a custom voice server, and it is answered without claiming audio", async () => {
    for (const name of PRESET_NAMES) {
      const voice = assistantConfig.presets[name].voice as unknown as Node & { fallbackPlan?: { voices?: Node[] } };
      for (const v of [voice, ...(voice.fallbackPlan?.voices ?? [])]) {
        expect(v.provider, name).not.toBe("custom-voice");
        expect(v).not.toHaveProperty("server");
      }
    }
    expect(SERVER_MESSAGES).not.toContain("voice-request");
    const { status, json } = await t.webhook({ message: payloads["voice-request"] });
    expect(status).toBe(200);
    expect(json).toEqual({});
    expect(t.logs.some((l) => l.includes("voice-request received"))).toBe(true);
  });
});

describe("the served assistant", () => {
  // Nothing Vapi's document marks deprecated (analysisPlan, startSpeakingPlan.smartEndpointingEnabled) is served.

  it.each(PRESET_NAMES)(
    "%s: valid as CreateAssistantDTO, un-personalized and personalized, inside a valid assistant-request answer",
    async (preset) => {
      for (const caller of [undefined, CALLER]) {
        const res = await t.app.request(`/vapi/assistant?preset=${preset}${caller ? `&caller=${encodeURIComponent(caller)}` : ""}`, {
          headers: { "x-vapi-secret": TEST_SECRET },
        });
        const { response, personalization } = (await res.json()) as {
          response: { assistant: Node };
          personalization: { personalized: boolean };
        };
        expect(personalization.personalized).toBe(caller !== undefined);
        expect(errorsOf("ServerMessageResponseAssistantRequest", response)).toBe("");
        const result = vapiValidator().validate("CreateAssistantDTO", response.assistant);
        expect(formatVapiIssues(result.errors)).toBe("");
        expect(result.warnings.map((w) => w.path)).toEqual([]);
        if (caller) expect(JSON.stringify(response.assistant)).toContain("Dana Whitfield");
      }
    },
  );

  it("is answered to a real assistant-request, and with VAPI_ASSISTANT_ID, in shapes Vapi accepts", async () => {
    expect(errorsOf("ServerMessageResponseAssistantRequest", (await t.webhook({ message: payloads["assistant-request"] })).json)).toBe("");
    const stored = await createTestApp({ env: { VAPI_ASSISTANT_ID: "a5515a17-aaaa-4bbb-8ccc-ad0e1f2a3b4c" } });
    const { json } = await stored.webhook({ message: payloads["assistant-request"] });
    expect(json).toMatchObject({ assistantId: "a5515a17-aaaa-4bbb-8ccc-ad0e1f2a3b4c" });
    expect(errorsOf("ServerMessageResponseAssistantRequest", json)).toBe("");
  });

  it("as stored by sync (placeholders, tools by id) is valid to create and to update", async () => {
    const tools = createRegistry(await discoverTools()).list();
    for (const preset of PRESET_NAMES) {
      const assistant = buildAssistant(
        {
          config: assistantConfig,
          preset,
          tools,
          target: { url: "https://sb.example.com/vapi/webhook", auth: { kind: "credential", credentialId: CREDENTIAL_ID } },
          businessName: "Switchboard Demo Co.",
          timeZone: "America/New_York",
          defaultBudgetMs: 200,
        },
        { kind: "placeholders" },
        ["f00d0000-aaaa-4bbb-8ccc-ad0e1f2a3b4c"],
      );
      expect(errorsOf("CreateAssistantDTO", assistant), preset).toBe("");
      expect(errorsOf("UpdateAssistantDTO", assistant), preset).toBe("");
    }
  });

  it("ends a silent call with a hook instead of silenceTimeoutSeconds, at the preset's limit", () => {
    const assistant = buildAssistant(
      {
        config: assistantConfig,
        preset: "dispatch",
        tools: [],
        target: { url: "https://sb.example.com/vapi/webhook", auth: { kind: "credential", credentialId: CREDENTIAL_ID } },
        businessName: "Acme",
        timeZone: "UTC",
        defaultBudgetMs: 200,
      },
      { kind: "profile", profile: undefined },
    );
    expect(assistant).not.toHaveProperty("silenceTimeoutSeconds");
    const ending = assistant.hooks?.find((h) => JSON.stringify(h).includes("endCall")) as unknown as {
      options: { timeoutSeconds: number };
    };
    expect(ending.options.timeoutSeconds).toBe(assistantConfig.presets.dispatch.silenceTimeoutSeconds);
  });
});

describe("every tool definition", () => {
  it("of tools/ is valid as CreateFunctionToolDTO and UpdateFunctionToolDTO, with either server target", async () => {
    const tools = createRegistry(await discoverTools()).list();
    expect(tools.length).toBeGreaterThan(5);
    for (const tool of tools) {
      for (const auth of [
        { kind: "credential", credentialId: CREDENTIAL_ID },
        { kind: "header", secret: TEST_SECRET },
      ] as const) {
        const target = { url: "https://sb.example.com/vapi/webhook", auth };
        const vapi = toVapiTool(tool, target, 200);
        expect(errorsOf("CreateFunctionToolDTO", vapi), tool.name).toBe("");
        const { type: _type, ...update } = vapi as Node;
        expect(errorsOf("UpdateFunctionToolDTO", update), tool.name).toBe("");
      }
    }
  });
});
