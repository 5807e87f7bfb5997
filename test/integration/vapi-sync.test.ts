// Protects the Vapi sync CLI: a credential referenced by id instead of the secret in payloads, retry plans on every server, bodies Vapi's published definition accepts, offline review with --print, and failures that name the host and the cause.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { VapiClient } from "@vapi-ai/server-sdk";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { desiredCredential } from "../../scripts/cli/vapi/credential.ts";
import { knowledgeBaseDecision } from "../../scripts/cli/vapi/knowledge-base.ts";
import { checkSettings } from "../../scripts/cli/vapi/settings.ts";
import { printRequests, type SyncAuth, type SyncInput, syncToVapi } from "../../scripts/cli/vapi/sync.ts";
import { structuredOutputKeys } from "../../src/assistant/structured-outputs.ts";
import { type Env, parseConfig } from "../../src/config.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";
import { NOT_RETRIED_STATUS_CODES } from "../../src/vapi/server-target.ts";
import { type FakeVapiApi, type RecordedRequest, startFakeVapiApi, vapiSchemaFor } from "../support/fake-vapi-api.ts";
import { testDatabase } from "../support/harness.ts";
import { vapiValidator } from "../support/vapi-schema.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const SECRET = "s3cret-s3cret-s3cret";
const URL_ = "https://sb.example.com/vapi/webhook";
const OUTPUT_KEYS = structuredOutputKeys(assistantConfig);

/** Every body sync sends must validate against Vapi's definition, the assistant's own fields included. */
const issuesOf = (schema: string, body: unknown) =>
  vapiValidator()
    .validate(schema, body)
    .errors.map((e) => `${schema} ${e.path}: ${e.message}`);

let api: FakeVapiApi;
let tools: SyncInput["tools"];

beforeAll(async () => {
  // Reading Vapi's document takes a few seconds once per process.
  vapiValidator().validate("CreateWebhookCredentialDTO", {});
  api = await startFakeVapiApi({ validate: issuesOf });
  tools = createRegistry(await discoverTools(fixtures)).list();
}, 60_000);
afterAll(() => api.close());

function credentialAuth(env: Env = {}): SyncAuth {
  const config = parseConfig({ VAPI_SECRET: SECRET, ...env });
  return { kind: "credential", credential: desiredCredential(config, SECRET, URL_), credentialId: config.VAPI_CREDENTIAL_ID };
}

function input(apply: boolean, overrides: Partial<SyncInput> = {}, lines: string[] = []): SyncInput {
  return {
    client: new VapiClient({ token: "test-vapi-key", baseUrl: api.url, maxRetries: 0 }),
    http: { baseUrl: api.url, token: "test-vapi-key" },
    tools,
    assistant: assistantConfig,
    preset: "dispatch",
    url: URL_,
    auth: credentialAuth(),
    businessName: "Acme",
    timeZone: "UTC",
    defaultBudgetMs: 200,
    phoneNumberId: "pn-1",
    secrets: [SECRET],
    apply,
    print: (line) => lines.push(line),
    ...overrides,
  };
}

const writes = (from = 0) => api.requests.slice(from).filter((r) => r.method !== "GET");
const ops = (rs: RecordedRequest[]) => rs.map((r) => `${r.method} ${r.path.replace(/\/[0-9a-f-]{36}$|\/pn-1$/, "/:id")}`);
type Server = { url: string; credentialId?: string; headers?: unknown; timeoutSeconds: number; backoffPlan: Record<string, unknown> };

describe("syncToVapi with a credential (the default)", () => {
  beforeAll(() => {
    // A phone number set up by hand with the old header form: the sync must take the secret out.
    api.phoneNumbers.set("pn-1", {
      id: "pn-1",
      provider: "vapi",
      number: "+15550001111",
      server: { url: "https://old.example.com/hook", headers: { "x-vapi-secret": SECRET } },
    });
  });

  it("changes nothing in a dry run, and says what it would do", async () => {
    const lines: string[] = [];
    const result = await syncToVapi(input(false, {}, lines));
    expect(writes()).toEqual([]);
    expect(result.changes.map((c) => [c.kind, c.action])).toEqual([
      ["credential", "create"],
      ...OUTPUT_KEYS.map(() => ["structured-output", "create"]),
      ["tool", "create"],
      ["tool", "create"],
      ["tool", "create"],
      ["tool", "create"],
      ["assistant", "create"],
      ["phone-number", "update"],
    ]);
    expect(result.changes.find((c) => c.kind === "phone-number")?.fields).toEqual(
      expect.arrayContaining(["server.url", "server.credentialId", "server.headers"]),
    );
    expect(lines.join("\n")).toContain("+ create Switchboard sb.example.com");
    expect(lines.join("\n")).toContain(`Dry run: ${7 + OUTPUT_KEYS.length} change(s) pending`);
    expect(api.requests.every((r) => r.authorization === "Bearer test-vapi-key")).toBe(true);
  });

  it("applies: creates the credential, and every server references it by id with no secret anywhere", async () => {
    const saved: string[] = [];
    const result = await syncToVapi(input(true, { onCredential: (id) => void saved.push(id) }));
    const [credential] = [...api.credentials.values()];
    expect(credential).toMatchObject({
      provider: "webhook",
      name: "Switchboard sb.example.com",
      authenticationPlan: { type: "bearer", token: SECRET, headerName: "Authorization", bearerPrefixEnabled: true },
    });
    expect(saved).toEqual([credential!.id]);
    expect(result.credentialId).toBe(credential!.id);

    const stored = [...api.tools.values(), ...api.assistants.values(), ...api.phoneNumbers.values()];
    expect(JSON.stringify(stored)).not.toContain(SECRET);
    const servers = stored.map((item) => item.server as Server);
    expect(servers).toHaveLength(tools.length + 2);
    for (const server of servers) {
      expect(server).toMatchObject({ url: URL_, credentialId: credential!.id });
      expect(server.headers).toBeUndefined();
      expect(server.backoffPlan.excludedStatusCodes).toEqual([...NOT_RETRIED_STATUS_CODES]);
    }
    const [assistant] = [...api.assistants.values()] as unknown as { name: string; model: { toolIds: string[] }; server: Server }[];
    expect(assistant?.name).toBe("Switchboard (dispatch)");
    expect([...(assistant?.model.toolIds ?? [])].sort()).toEqual([...api.tools.keys()].sort());
    expect(assistant?.server.backoffPlan).toMatchObject({ type: "exponential", maxRetries: 8 });
    expect((api.phoneNumbers.get("pn-1")!.server as Server).backoffPlan).toMatchObject({ type: "fixed", maxRetries: 1 });
  });

  it("finds nothing to change right after applying, but sends the credential's secret again (Vapi never returns it)", async () => {
    const lines: string[] = [];
    const dry = await syncToVapi(input(false, {}, lines));
    expect(dry.changes.every((c) => c.action === "unchanged")).toBe(true);
    expect(lines.join("\n")).toContain("Vapi does not return the token, so --apply sent again");
    const before = api.requests.length;
    await syncToVapi(input(true));
    expect(ops(writes(before))).toEqual(["PATCH /credential/:id"]);
  });

  it("updates only what changed, and a changed secret reaches Vapi", async () => {
    const echo = [...api.tools.values()].find((t) => (t.function as { name: string }).name === "echo")!;
    api.tools.set(echo.id, { ...echo, function: { ...(echo.function as object), description: "stale" } });
    const rotated = "r0tated-r0tated-r0tated";
    const config = parseConfig({ VAPI_SECRET: rotated });
    const before = api.requests.length;
    const result = await syncToVapi(
      input(true, { auth: { kind: "credential", credential: desiredCredential(config, rotated, URL_) }, secrets: [rotated] }),
    );
    expect(result.changes.find((c) => c.name === "echo")).toMatchObject({ action: "update", fields: ["function.description"] });
    expect(ops(writes(before))).toEqual(["PATCH /credential/:id", "PATCH /tool/:id"]);
    expect([...api.credentials.values()][0]?.authenticationPlan).toMatchObject({ token: rotated });
  });

  it("sends only bodies that Vapi's published definition accepts, for every operation it uses", () => {
    const checked = new Set<string>();
    for (const r of writes()) {
      const schema = vapiSchemaFor(r.method, r.path);
      expect(schema, `${r.method} ${r.path}`).toBeDefined();
      expect(issuesOf(schema!, r.body)).toEqual([]);
      checked.add(schema!);
    }
    expect([...checked].sort()).toEqual([
      "CreateWebhookCredentialDTO",
      "PATCH /phone-number/{id}",
      "PATCH /tool/{id}",
      "POST /assistant",
      "POST /structured-output",
      "POST /tool",
      "UpdateWebhookCredentialDTO",
    ]);
  });

  it("updates a stale assistant with a body UpdateAssistantDTO accepts", async () => {
    const [assistant] = [...api.assistants.values()];
    api.assistants.set(assistant!.id, { ...assistant!, server: { url: "https://old.example.com/hook" } });
    const before = api.requests.length;
    await syncToVapi(input(true));
    const patch = writes(before).find((r) => r.path.startsWith("/assistant/"));
    expect(patch).toBeDefined();
    expect(issuesOf("PATCH /assistant/{id}", patch!.body)).toEqual([]);
  });
});

describe("syncToVapi, other credentials and forms", () => {
  it("creates an HMAC credential that signs the body alone, with the configured headers and encoding", async () => {
    const fresh = await startFakeVapiApi({ validate: issuesOf });
    try {
      const auth = credentialAuth({
        VAPI_CREDENTIAL_TYPE: "hmac",
        VAPI_HMAC_SECRET: "hmac-secret-hmac-secret",
        VAPI_HMAC_INCLUDE_TIMESTAMP: "false",
        VAPI_HMAC_ENCODING: "base64",
        VAPI_HMAC_PREFIX: "sha512=",
        VAPI_HMAC_ALGORITHM: "sha512",
        VAPI_HMAC_SIGNATURE_HEADER: "x-vapi-signature",
      });
      await syncToVapi({
        ...input(true, { auth, phoneNumberId: undefined, secrets: [SECRET, "hmac-secret-hmac-secret"] }),
        client: new VapiClient({ token: "test-vapi-key", baseUrl: fresh.url, maxRetries: 0 }),
        http: { baseUrl: fresh.url, token: "test-vapi-key" },
      });
      const post = fresh.requests.find((r) => r.method === "POST" && r.path === "/credential");
      expect(post?.body).toEqual({
        provider: "webhook",
        name: "Switchboard sb.example.com",
        authenticationPlan: {
          type: "hmac",
          secretKey: "hmac-secret-hmac-secret",
          algorithm: "sha512",
          signatureHeader: "x-vapi-signature",
          signaturePrefix: "sha512=",
          includeTimestamp: false,
          payloadFormat: "{body}",
          signatureEncoding: "base64",
        },
      });
      expect(issuesOf("CreateWebhookCredentialDTO", post?.body)).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it("keeps a credential named by VAPI_CREDENTIAL_ID (its own name), and names it when Vapi does not know it", async () => {
    const fresh = await startFakeVapiApi({ validate: issuesOf });
    try {
      fresh.credentials.set("cred-dash", {
        id: "cred-dash",
        provider: "webhook",
        name: "Made in the dashboard",
        authenticationPlan: { type: "bearer", headerName: "Authorization" },
      });
      const at = (credentialId: string) => ({
        ...input(true, { auth: credentialAuth({ VAPI_CREDENTIAL_ID: credentialId }), phoneNumberId: undefined }),
        client: new VapiClient({ token: "test-vapi-key", baseUrl: fresh.url, maxRetries: 0 }),
        http: { baseUrl: fresh.url, token: "test-vapi-key" },
      });
      const result = await syncToVapi(at("cred-dash"));
      expect(result.credentialId).toBe("cred-dash");
      const patch = fresh.requests.find((r) => r.method === "PATCH" && r.path === "/credential/cred-dash");
      expect(patch?.body).not.toHaveProperty("name");
      expect(fresh.credentials.get("cred-dash")).toMatchObject({ name: "Made in the dashboard", authenticationPlan: { token: SECRET } });
      expect(fresh.requests.some((r) => r.method === "POST" && r.path === "/credential")).toBe(false);

      const host = new URL(fresh.url).host;
      await expect(syncToVapi(at("cred-gone"))).rejects.toThrow(`VAPI_CREDENTIAL_ID=cred-gone: no such credential on ${host} (HTTP 404)`);
    } finally {
      await fresh.close();
    }
  });

  it("stores a preset with adaptive endpointing asking this server each turn, through the credential, without retries", async () => {
    const fresh = await startFakeVapiApi({ validate: issuesOf });
    try {
      await syncToVapi({
        ...input(true, { preset: "scheduling", phoneNumberId: undefined }),
        client: new VapiClient({ token: "test-vapi-key", baseUrl: fresh.url, maxRetries: 0 }),
        http: { baseUrl: fresh.url, token: "test-vapi-key" },
      });
      const [credential] = [...fresh.credentials.values()];
      const [assistant] = [...fresh.assistants.values()] as unknown as { startSpeakingPlan: Record<string, unknown> }[];
      expect(assistant?.startSpeakingPlan.smartEndpointingPlan).toEqual({
        provider: "custom-endpointing-model",
        server: expect.objectContaining({
          url: URL_,
          credentialId: credential!.id,
          timeoutSeconds: 1,
          backoffPlan: expect.objectContaining({ maxRetries: 0 }),
        }),
      });
      expect(assistant?.startSpeakingPlan).not.toHaveProperty("smartEndpointingEnabled");
      expect(fresh.requests.filter((r) => r.method === "POST" && r.path === "/assistant")).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it("writes the secret into every server only with the explicit header form, and says so", async () => {
    const fresh = await startFakeVapiApi({ validate: issuesOf });
    try {
      const lines: string[] = [];
      await syncToVapi({
        ...input(true, { auth: { kind: "header", secret: SECRET }, phoneNumberId: undefined }, lines),
        client: new VapiClient({ token: "test-vapi-key", baseUrl: fresh.url, maxRetries: 0 }),
        http: { baseUrl: fresh.url, token: "test-vapi-key" },
      });
      expect(fresh.requests.some((r) => r.path.startsWith("/credential"))).toBe(false);
      for (const tool of fresh.tools.values()) expect(tool.server).toMatchObject({ headers: { "x-vapi-secret": SECRET } });
      expect(lines.join("\n")).toMatch(/warning: VAPI_SERVER_AUTH=header: the secret is written into every tool/);
    } finally {
      await fresh.close();
    }
  });
});

describe("failed requests name the host and the cause", () => {
  it("an HTTP error, with Vapi's own message", async () => {
    api.failNext("POST /credential", 400, {
      message: ['authenticationPlan.property "encoding" should not exist'],
      error: "Bad Request",
      statusCode: 400,
    });
    api.credentials.clear();
    const host = new URL(api.url).host;
    await expect(syncToVapi(input(true))).rejects.toThrow(
      `POST /credential on ${host} failed: HTTP 400: authenticationPlan.property "encoding" should not exist`,
    );
  });

  it("an HTTP error from the SDK's calls, with a hint for a refused key", async () => {
    api.failNext("GET /tool", 401, { message: "Invalid API key", statusCode: 401 });
    await expect(syncToVapi(input(false))).rejects.toThrow(
      /GET \/tool on 127\.0\.0\.1:\d+ failed: HTTP 401: Invalid API key \(check VAPI_API_KEY/,
    );
  });

  it("a network error, for the raw calls and for the SDK's", async () => {
    const closed = await closedPort();
    const gone = `http://127.0.0.1:${closed}`;
    await expect(syncToVapi({ ...input(false), http: { baseUrl: gone, token: "k" } })).rejects.toThrow(
      `GET /credential?limit=1000: could not reach 127.0.0.1:${closed} (network error: ECONNREFUSED`,
    );
    await expect(
      syncToVapi({
        ...input(false, { auth: { kind: "header", secret: SECRET } }),
        client: new VapiClient({ token: "k", baseUrl: gone, maxRetries: 0 }),
        http: { baseUrl: gone, token: "k" },
      }),
    ).rejects.toThrow(`GET /structured-output: could not reach 127.0.0.1:${closed} (network error: ECONNREFUSED`);
  });
});

describe("printRequests (offline review)", () => {
  it("prints every body apply would send for new objects, secrets masked, calling nothing", () => {
    const lines: string[] = [];
    const before = api.requests.length;
    const printed = printRequests({ ...input(false, {}, lines), secrets: [SECRET] });
    expect(api.requests.length).toBe(before);
    expect(printed.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /credential",
      ...OUTPUT_KEYS.map(() => "POST /structured-output"),
      ...tools.map(() => "POST /tool"),
      "POST /assistant",
      "PATCH /phone-number/pn-1",
    ]);
    const text = lines.join("\n");
    expect(text).not.toContain(SECRET);
    expect(text).toContain(`"token": "<secret, ${SECRET.length} characters, masked>"`);
    expect(text).toContain('"credentialId": "<id of the new credential>"');
    // Valid as they stand, apart from the masked secret and the provider Vapi is asked for.
    for (const r of printed) {
      const body = r.path.startsWith("/phone-number") ? { ...(r.body as object), provider: "vapi" } : r.body;
      expect(issuesOf(vapiSchemaFor(r.method, r.path)!, body)).toEqual([]);
    }
  });
});

describe("structured outputs", () => {
  let own: FakeVapiApi;
  beforeAll(async () => {
    own = await startFakeVapiApi({ validate: issuesOf });
  });
  afterAll(() => own.close());
  const on = (apply: boolean, overrides: Partial<SyncInput> = {}, lines: string[] = []) =>
    input(
      apply,
      {
        client: new VapiClient({ token: "test-vapi-key", baseUrl: own.url, maxRetries: 0 }),
        http: { baseUrl: own.url, token: "test-vapi-key" },
        phoneNumberId: undefined,
        ...overrides,
      },
      lines,
    );
  const outputWrites = () => own.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/structured-output"));

  it("creates each output before the assistant, which references them by id instead of the deprecated analysisPlan", async () => {
    const lines: string[] = [];
    const result = await syncToVapi(on(true, {}, lines));
    const stored = [...own.structuredOutputs.values()];
    expect(stored.map((o) => o.name)).toEqual(OUTPUT_KEYS.map((k) => `Switchboard ${k}`));
    expect(own.structuredOutputs.size).toBe(OUTPUT_KEYS.length);
    const followUp = stored.find((o) => o.name === "Switchboard followUpNeeded");
    expect(followUp).toMatchObject({ type: "ai", schema: { type: "boolean" } });
    expect(Object.keys(result.structuredOutputIds)).toEqual(OUTPUT_KEYS);
    // Outputs first: the assistant is created with their ids.
    const firstAssistant = own.requests.findIndex((r) => r.method === "POST" && r.path === "/assistant");
    expect(own.requests.findLastIndex((r) => r.method === "POST" && r.path === "/structured-output")).toBeLessThan(firstAssistant);
    const [assistant] = [...own.assistants.values()] as unknown as { artifactPlan: Record<string, unknown>; analysisPlan?: unknown }[];
    expect(assistant?.artifactPlan.structuredOutputIds).toEqual(OUTPUT_KEYS.map((k) => result.structuredOutputIds[k]));
    expect(assistant?.artifactPlan).not.toHaveProperty("structuredOutputs");
    expect(assistant).not.toHaveProperty("analysisPlan");
    expect(
      vapiValidator()
        .validate("CreateAssistantDTO", assistant)
        .warnings.filter((w) => w.path.includes("analysisPlan")),
    ).toEqual([]);
    const ids = OUTPUT_KEYS.map((k) => `${k}=${result.structuredOutputIds[k]}`).join(",");
    expect(lines.join("\n")).toContain(`VAPI_STRUCTURED_OUTPUT_IDS=${ids}`);
    // The line parses back into what the served assistant needs.
    expect(parseConfig({ VAPI_STRUCTURED_OUTPUT_IDS: ids }).VAPI_STRUCTURED_OUTPUT_IDS).toEqual(result.structuredOutputIds);
  });

  it("finds nothing to change afterwards, and updates a drifted output, allowing a new result type only when it changed", async () => {
    const dry = await syncToVapi(on(false));
    expect(dry.changes.filter((c) => c.kind === "structured-output").every((c) => c.action === "unchanged")).toBe(true);
    const byName = (name: string) => [...own.structuredOutputs.values()].find((o) => o.name === name)!;
    const intent = byName("Switchboard intent");
    own.structuredOutputs.set(intent.id, { ...intent, description: "stale" });
    const followUp = byName("Switchboard followUpNeeded");
    own.structuredOutputs.set(followUp.id, { ...followUp, schema: { type: "string" } });
    const before = own.requests.length;
    const lines: string[] = [];
    const result = await syncToVapi(on(true, {}, lines));
    expect(result.changes.filter((c) => c.action === "update").map((c) => [c.name, c.fields])).toEqual([
      ["Switchboard intent", ["description"]],
      ["Switchboard followUpNeeded", ["schema.type"]],
    ]);
    const patches = own.requests.slice(before).filter((r) => r.method === "PATCH" && r.path.startsWith("/structured-output/"));
    expect(patches.map((r) => [r.path, r.search])).toEqual([
      [`/structured-output/${intent.id}`, "?schemaOverride=false"],
      [`/structured-output/${followUp.id}`, "?schemaOverride=true"],
    ]);
    for (const r of patches) expect(issuesOf("PATCH /structured-output/{id}", r.body)).toEqual([]);
    expect(lines.join("\n")).toContain("the result's type changes");
    expect(byName("Switchboard followUpNeeded").schema).toEqual({ type: "boolean" });
  });

  it("sends nothing about structured outputs when the configuration declares none", async () => {
    const before = outputWrites().length;
    const lines: string[] = [];
    const result = await syncToVapi(on(false, { assistant: { ...assistantConfig, structuredOutputs: undefined } }, lines));
    expect(result.changes.some((c) => c.kind === "structured-output")).toBe(false);
    expect(outputWrites().length).toBe(before);
    expect(lines.join("\n")).not.toContain("structured outputs");
  });
});

describe("squads", () => {
  let fresh: FakeVapiApi;
  let realTools: SyncInput["tools"];
  beforeAll(async () => {
    fresh = await startFakeVapiApi({ validate: issuesOf });
    realTools = createRegistry(await discoverTools()).list();
  });
  afterAll(() => fresh.close());
  const squadInput = (apply: boolean, lines: string[] = []): SyncInput => ({
    ...input(apply, { tools: realTools, squads: ["frontDesk"], phoneNumberId: undefined }, lines),
    client: new VapiClient({ token: "test-vapi-key", baseUrl: fresh.url, maxRetries: 0 }),
    http: { baseUrl: fresh.url, token: "test-vapi-key" },
  });

  it("creates each member as an assistant with only its own tools and a handoff tool to this server, then the squad naming them in order", async () => {
    const lines: string[] = [];
    const result = await syncToVapi(squadInput(true, lines));
    const squad = [...fresh.squads.values()][0] as unknown as { id: string; name: string; members: { assistantId: string }[] };
    expect(squad.name).toBe("Switchboard frontDesk");
    expect(result.squadIds).toEqual({ frontDesk: squad.id });
    const byId = (id: string) =>
      fresh.assistants.get(id) as unknown as {
        name: string;
        model: { toolIds: string[]; tools: { type: string; destinations?: { server?: Server }[] }[] };
      };
    expect(squad.members.map((m) => byId(m.assistantId).name)).toEqual([
      "Switchboard reception",
      "Switchboard scheduling",
      "Switchboard billing",
    ]);
    const toolName = (id: string) => (fresh.tools.get(id)!.function as { name: string }).name;
    const billing = byId(squad.members[2]!.assistantId);
    expect(billing.model.toolIds.map(toolName)).toEqual(["get_account_balance", "send_payment_link"]);
    const handoff = billing.model.tools.find((t) => t.type === "handoff")!;
    expect(handoff.destinations?.[0]?.server).toMatchObject({ url: URL_, credentialId: result.credentialId });
    expect(JSON.stringify([...fresh.assistants.values(), ...fresh.squads.values()])).not.toContain(SECRET);
    for (const r of fresh.requests.filter((q) => q.method !== "GET"))
      expect(issuesOf(vapiSchemaFor(r.method, r.path)!, r.body)).toEqual([]);
    expect(lines.join("\n")).toContain(`Squad frontDesk id: ${squad.id}`);
  });

  it("finds nothing to change right after applying, and updates a member that drifted", async () => {
    const dry = await syncToVapi(squadInput(false));
    expect(dry.changes.filter((c) => c.kind === "squad" || c.name.startsWith("Switchboard ")).every((c) => c.action === "unchanged")).toBe(
      true,
    );
    const reception = [...fresh.assistants.values()].find((a) => a.name === "Switchboard reception")!;
    fresh.assistants.set(reception.id, { ...reception, firstMessageMode: "assistant-waits-for-user" });
    const before = fresh.requests.length;
    await syncToVapi(squadInput(true));
    const sent = fresh.requests.slice(before).filter((r) => r.method !== "GET" && !r.path.startsWith("/credential"));
    expect(ops(sent)).toEqual(["PATCH /assistant/:id"]);
    expect(sent[0]!.path).toBe(`/assistant/${reception.id}`);
    expect(issuesOf("PATCH /assistant/{id}", sent[0]!.body)).toEqual([]);
  });

  it("names the custom knowledge base on the stored assistant and every member when asked, and takes it off again", async () => {
    const stored = () => [...fresh.assistants.values()] as unknown as { name: string; model: { knowledgeBase?: unknown } }[];
    const dry = await syncToVapi({ ...squadInput(false), knowledgeBase: true });
    const updated = dry.changes.filter((c) => c.kind === "assistant");
    expect(updated.length).toBe(4); // the preset's assistant and three members
    for (const c of updated) expect(c.fields).toContain("model.knowledgeBase");
    const before = fresh.requests.length;
    await syncToVapi({ ...squadInput(true), knowledgeBase: true });
    for (const r of fresh.requests.slice(before).filter((q) => q.method !== "GET"))
      expect(issuesOf(vapiSchemaFor(r.method, r.path)!, r.body)).toEqual([]);
    for (const a of stored())
      expect(a.model.knowledgeBase).toMatchObject({
        provider: "custom-knowledge-base",
        server: { url: URL_, credentialId: expect.any(String) },
      });
    expect(JSON.stringify(stored())).not.toContain(SECRET);
    await syncToVapi({ ...squadInput(true), knowledgeBase: false });
    for (const a of stored()) expect(a.model.knowledgeBase ?? null).toBeNull();
  });

  it("prints the member and squad bodies offline, with the ids Vapi has not given yet", () => {
    const lines: string[] = [];
    const printed = printRequests({ ...squadInput(false, lines), secrets: [SECRET] });
    expect(printed.map((r) => `${r.method} ${r.path}`).slice(-4)).toEqual([
      "POST /assistant",
      "POST /assistant",
      "POST /assistant",
      "POST /squad",
    ]);
    expect(printed.at(-1)!.body).toEqual({
      name: "Switchboard frontDesk",
      members: [
        { assistantId: "<id of new assistant Switchboard reception>" },
        { assistantId: "<id of new assistant Switchboard scheduling>" },
        { assistantId: "<id of new assistant Switchboard billing>" },
      ],
    });
    for (const r of printed.slice(-4)) expect(issuesOf(vapiSchemaFor(r.method, r.path)!, r.body)).toEqual([]);
  });

  it("refuses a squad it does not know, or one naming tools that are not in tools/, before sending anything", async () => {
    const before = fresh.requests.length;
    await expect(syncToVapi({ ...squadInput(true), squads: ["backOffice"] })).rejects.toThrow(
      "--squad backOffice: no such squad in assistant.config.ts (squads: frontDesk)",
    );
    await expect(syncToVapi({ ...squadInput(true), tools })).rejects.toThrow(
      'squads.frontDesk member reception: no tool named "get_business_hours" in tools/',
    );
    expect(fresh.requests.length).toBe(before);
  });
});

describe("checkSettings", () => {
  it("reports every missing or wrong setting at once", () => {
    expect(() => checkSettings({ VAPI_CREDENTIAL_TYPE: "hmac", TOOL_BUDGET_MS: "fast" }, false)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /Cannot sync with Vapi:[\s\S]*TOOL_BUDGET_MS[\s\S]*VAPI_HMAC_SECRET: is required when VAPI_CREDENTIAL_TYPE=hmac[\s\S]*PUBLIC_URL: not set[\s\S]*VAPI_API_KEY: not set/,
        ),
      }),
    );
    expect(() => checkSettings({ PUBLIC_URL: "https://sb.example.com" }, true)).not.toThrow();
  });
});

describe("npm run vapi", () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "sb-vapi-cli-"));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/cli/vapi/main.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const base = { PUBLIC_URL: "https://sb.example.com", VAPI_SECRET: SECRET, ASSISTANT_PRESET: "scheduling" };

  it("runs a dry run against the API at VAPI_API_URL", async () => {
    const { code, stdout } = await run(["diff"], { ...base, VAPI_API_KEY: "test-vapi-key", VAPI_API_URL: api.url });
    expect(code).toBe(0);
    expect(stdout).toContain(`Vapi sync (dry run) with ${new URL(api.url).host}`);
    expect(stdout).toContain("+ create get_business_hours");
    expect(stdout).toContain("+ create Switchboard (scheduling)");
  });

  it("applies, and keeps the credential id where `npm start` on this machine finds it", async () => {
    const { code, stdout } = await run(["apply"], { ...base, VAPI_API_KEY: "test-vapi-key", VAPI_API_URL: api.url });
    expect(code).toBe(0);
    const id = (await readFile(join(dataDir, "vapi-credential-id"), "utf8")).trim();
    expect(api.credentials.has(id)).toBe(true);
    expect(stdout).toContain(`set VAPI_CREDENTIAL_ID=${id}`);
    // The line to give the server that answers assistant-request, with every output's id.
    const line = /VAPI_STRUCTURED_OUTPUT_IDS=(\S+)/.exec(stdout)?.[1];
    expect(Object.keys(parseConfig({ VAPI_STRUCTURED_OUTPUT_IDS: line }).VAPI_STRUCTURED_OUTPUT_IDS)).toEqual(OUTPUT_KEYS);
  });

  it("--print needs no API key and shows no secret", async () => {
    const { code, stdout } = await run(["--print"], base);
    expect(code).toBe(0);
    expect(stdout).toContain("POST /credential");
    expect(stdout).toContain("POST /structured-output");
    expect(stdout).toContain('"<id of new structured output followUpNeeded>"');
    expect(stdout).toContain("POST /assistant");
    expect(stdout).not.toContain(SECRET);
  });

  it("--print --squad all shows the squad too", async () => {
    const { code, stdout } = await run(["--print", "--squad", "all"], base);
    expect(code).toBe(0);
    expect(stdout).toContain("POST /squad");
    expect(stdout).toContain('"name": "Switchboard frontDesk"');
  });

  it("names the knowledge base on what it stores only when asked or when DATABASE_URL has documents, and says which", async () => {
    const off = await run(["--print"], base);
    expect(off.stdout).toContain("knowledge base: off: DATABASE_URL is not set");
    expect(off.stdout).not.toContain("custom-knowledge-base");
    const on = await run(["--print", "--knowledge-base", "on"], base);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain('"provider": "custom-knowledge-base"');
    const wrong = await run(["--print", "--knowledge-base", "yes"], base);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('--knowledge-base takes on, off, auto, not "yes"');
    const unreachable = await run(["--print"], { ...base, DATABASE_URL: `postgres://postgres@127.0.0.1:${await closedPort()}/none` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("Cannot count the knowledge base's documents at DATABASE_URL");
    expect(unreachable.stderr).toContain("pass --knowledge-base on or off");
  });

  it("counts the documents at DATABASE_URL by default", async () => {
    const db = testDatabase().db;
    const [row] = await db.execute<{ n: number }>(sql`select count(*)::int as n from kb_documents`);
    const decision = await knowledgeBaseDecision("auto", undefined, db);
    expect(decision.knowledgeBase).toBe(Number(row!.n) > 0);
    expect(decision.reason).toMatch(Number(row!.n) > 0 ? /^on: \d+ document\(s\) at DATABASE_URL$/ : /^off: no documents/);
    expect(await knowledgeBaseDecision("off", "postgres://unused", db)).toMatchObject({ knowledgeBase: false });
  });

  it("refuses to run without its settings, naming all of them", async () => {
    const { code, stderr } = await run(["diff"], { VAPI_SECRET: SECRET });
    expect(code).toBe(1);
    expect(stderr).toContain("PUBLIC_URL: not set");
    expect(stderr).toContain("VAPI_API_KEY: not set");
  });

  it("names the host it could not reach", async () => {
    const port = await closedPort();
    const { code, stderr } = await run(["diff"], { ...base, VAPI_API_KEY: "k", VAPI_API_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Vapi sync failed: GET /credential?limit=1000: could not reach 127.0.0.1:${port} (network error: ECONNREFUSED`,
    );
  });
});

/** A local port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
