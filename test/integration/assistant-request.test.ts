// Protects the assistant served on assistant-request: presets, personalization within its budget, the assistant-id mode and GET /vapi/assistant.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import type { CallerProfileContributor } from "../../src/assistant/caller-profile.ts";
import { callerMemoryContributor } from "../../src/assistant/contributors/caller-memory.ts";
import { rememberAboutCaller } from "../../src/services/caller-memory.ts";
import { createTestApp, TEST_SECRET, type TestApp } from "../support/harness.ts";
import { assistantRequest } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
// A generous budget where a test asserts personalization: on a loaded machine a cold lookup may
// legitimately miss 35 ms. The budget itself has its own test below.
const ROOMY = { PERSONALIZATION_BUDGET_MS: "5000" };
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    toolsDir: fixtures,
    env: { ...ROOMY, PUBLIC_URL: "https://sb.example.com", VAPI_CREDENTIAL_ID: "cred-test", BUSINESS_NAME: "Acme Freight" },
  });
});

type Served = {
  assistant?: { name: string; firstMessage: string; model: { messages: { content: string }[] }; metadata: { preset: string } };
  assistantId?: string;
  assistantOverrides: { variableValues: Record<string, string> };
};

async function knownCaller(app: TestApp, name: string) {
  const caller = `+1555${Math.floor(Math.random() * 1e7)
    .toString()
    .padStart(7, "0")}`;
  await rememberAboutCaller({ db: app.deps.db, cache: app.deps.cache, logger: app.deps.logger, ttlMs: 60_000 }, caller, { name });
  const callId = randomUUID();
  await app.webhook({
    message: {
      type: "end-of-call-report",
      call: { id: callId, customer: { number: caller } },
      endedReason: "customer-ended-call",
      endedAt: new Date(Date.now() - 86_400_000).toISOString(),
      analysis: { summary: "Asked to move the Tuesday delivery." },
      artifact: { transcript: "..." },
    },
  });
  return caller;
}

describe("assistant-request", () => {
  it("serves the default preset un-personalized to an unknown caller, with empty variable values", async () => {
    const { status, json } = await t.webhook(assistantRequest({ caller: "+15550199999" }));
    expect(status).toBe(200);
    const served = json as unknown as Served;
    expect(served.assistant?.name).toBe("Switchboard (support)");
    expect(served.assistant?.firstMessage).toBe("Thanks for calling Acme Freight. How can I help?");
    expect(served.assistant?.model.messages[0]?.content).not.toContain("What we know about this caller");
    expect(served.assistantOverrides.variableValues).toMatchObject({ callerName: "", callerContext: "" });
  });

  it("personalizes for a known caller: name, last call's summary, in the prompt and the variable values", async () => {
    const caller = await knownCaller(t, "Dana");
    const served = (await t.webhook(assistantRequest({ caller }))).json as unknown as Served;
    expect(served.assistant?.firstMessage).toMatch(/^Hi Dana, thanks for calling/);
    const prompt = served.assistant?.model.messages[0]?.content ?? "";
    expect(prompt).toContain("Their name is Dana.");
    expect(prompt).toContain("Asked to move the Tuesday delivery.");
    expect(served.assistantOverrides.variableValues.callerName).toBe("Dana");
    expect(served.assistantOverrides.variableValues.callerContext).toContain("called 1 time before");
  });

  it("answers from the cache once warm, and sees the next call's summary after an end-of-call report", async () => {
    const caller = await knownCaller(t, "Lee");
    const first = await t.app.request(`/vapi/assistant?caller=${encodeURIComponent(caller)}`, {
      headers: { "x-vapi-secret": TEST_SECRET },
    });
    expect(((await first.json()) as { personalization: { source: string } }).personalization.source).toBe("database");
    const second = await t.app.request(`/vapi/assistant?caller=${encodeURIComponent(caller)}`, {
      headers: { "x-vapi-secret": TEST_SECRET },
    });
    expect(((await second.json()) as { personalization: { source: string; personalized: boolean } }).personalization).toMatchObject({
      source: "cache",
      personalized: true,
    });
    await t.webhook({
      message: {
        type: "end-of-call-report",
        call: { id: randomUUID(), customer: { number: caller } },
        endedAt: new Date().toISOString(),
        analysis: { summary: "Booked a pickup for Friday." },
      },
    });
    const after = (await t.webhook(assistantRequest({ caller }))).json as unknown as Served;
    expect(after.assistant?.model.messages[0]?.content).toContain("Booked a pickup for Friday.");
  });

  it("serves the un-personalized assistant when the profile lookup overruns its budget", async () => {
    const slow: CallerProfileContributor = {
      name: "slow",
      load: (_deps, _number, signal) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve({ name: "Too Late" }), 500);
          signal.addEventListener("abort", () => clearTimeout(timer));
        }),
    };
    const app = await createTestApp({
      toolsDir: fixtures,
      env: { PERSONALIZATION_BUDGET_MS: "20" },
      profileContributors: [callerMemoryContributor, slow],
    });
    const res = await app.webhook(assistantRequest({ caller: "+15550188888" }));
    const served = res.json as unknown as Served;
    expect(res.status).toBe(200);
    expect(served.assistant?.firstMessage).not.toContain("Too Late");
    expect(served.assistantOverrides.variableValues.callerName).toBe("");
    expect(app.logs.some((l) => l.includes("caller profile over budget"))).toBe(true);
  });

  it("keeps working without a caller number", async () => {
    const { status, json } = await t.webhook({ message: { type: "assistant-request", call: { id: randomUUID() } } });
    expect(status).toBe(200);
    expect((json as unknown as Served).assistant?.name).toBe("Switchboard (support)");
  });

  it("picks the preset from ASSISTANT_PRESET", async () => {
    const app = await createTestApp({ toolsDir: fixtures, env: { ASSISTANT_PRESET: "dispatch" } });
    const served = (await app.webhook(assistantRequest())).json as unknown as Served;
    expect(served.assistant?.metadata.preset).toBe("dispatch");
  });

  it("answers with the stored assistant's id and the caller's variable values when VAPI_ASSISTANT_ID is set", async () => {
    const app = await createTestApp({ toolsDir: fixtures, env: { ...ROOMY, VAPI_ASSISTANT_ID: "asst-123" } });
    const caller = await knownCaller(app, "Kim");
    const { json } = await app.webhook(assistantRequest({ caller }));
    expect(json.assistant).toBeUndefined();
    expect(json).toMatchObject({ assistantId: "asst-123", assistantOverrides: { variableValues: { callerName: "Kim" } } });
    expect((json as unknown as Served).assistantOverrides.variableValues.firstMessage).toMatch(/^Hi Kim/);
  });
});

describe("GET /vapi/assistant", () => {
  it("requires Vapi credentials", async () => {
    expect((await t.app.request("/vapi/assistant")).status).toBe(401);
  });

  it("shows what a call would be served, for any preset", async () => {
    const res = await t.app.request("/vapi/assistant?preset=scheduling", { headers: { "x-vapi-secret": TEST_SECRET } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { preset: string; response: Served };
    expect(body.preset).toBe("scheduling");
    expect(body.response.assistant?.name).toBe("Switchboard (scheduling)");
    expect(JSON.stringify(body.response)).toContain("https://sb.example.com/vapi/webhook");
  });

  it("rejects an unknown preset with 400", async () => {
    const res = await t.app.request("/vapi/assistant?preset=karaoke", { headers: { "x-vapi-secret": TEST_SECRET } });
    expect(res.status).toBe(400);
  });
});

describe("caller profile sources", () => {
  it("serves what the other sources found when one fails, and does not cache the incomplete profile", async () => {
    let calls = 0;
    const flaky: CallerProfileContributor = {
      name: "flaky",
      load: async () => {
        calls++;
        if (calls === 1) throw new Error("shipments database unavailable");
        return { openShipments: [{ reference: "SB-7", status: "out for delivery" }] };
      },
    };
    const app = await createTestApp({ toolsDir: fixtures, env: ROOMY, profileContributors: [callerMemoryContributor, flaky] });
    const caller = await knownCaller(app, "Noor");
    const first = (await app.webhook(assistantRequest({ caller }))).json as unknown as Served;
    expect(first.assistantOverrides.variableValues.callerName).toBe("Noor");
    expect(first.assistantOverrides.variableValues.callerContext).not.toContain("SB-7");
    expect(app.logs.some((l) => l.includes("caller profile contributor failed"))).toBe(true);
    const second = (await app.webhook(assistantRequest({ caller }))).json as unknown as Served;
    expect(second.assistantOverrides.variableValues.callerContext).toContain("Open shipments: SB-7 (out for delivery).");
  });
});
