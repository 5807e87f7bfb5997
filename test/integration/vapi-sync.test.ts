// Protects the Vapi sync CLI: dry run by default, then creating and updating tools, the assistant and the phone number through the SDK.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { VapiClient } from "@vapi-ai/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { type SyncInput, syncToVapi } from "../../scripts/cli/vapi/sync.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";
import { type FakeVapiApi, startFakeVapiApi } from "../support/fake-vapi-api.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let api: FakeVapiApi;

beforeAll(async () => {
  api = await startFakeVapiApi();
  api.phoneNumbers.set("pn-1", { id: "pn-1", provider: "vapi", number: "+15550001111", server: { url: "https://old.example.com/hook" } });
});
afterAll(() => api.close());

async function input(apply: boolean, lines: string[] = []): Promise<SyncInput> {
  return {
    client: new VapiClient({ token: "test-vapi-key", baseUrl: api.url, maxRetries: 0 }),
    tools: createRegistry(await discoverTools(fixtures)).list(),
    assistant: assistantConfig,
    preset: "dispatch",
    target: { url: "https://sb.example.com/vapi/webhook", secret: "s3cret-s3cret-s3cret" },
    businessName: "Acme",
    timeZone: "UTC",
    defaultBudgetMs: 200,
    phoneNumberId: "pn-1",
    apply,
    print: (line) => lines.push(line),
  };
}

describe("syncToVapi", () => {
  it("changes nothing in a dry run, and says what it would do", async () => {
    const lines: string[] = [];
    const result = await syncToVapi(await input(false, lines));
    expect(api.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(result.changes.filter((c) => c.kind === "tool").map((c) => [c.name, c.action])).toEqual([
      ["echo", "create"],
      ["explode", "create"],
      ["record_note", "create"],
      ["slow", "create"],
    ]);
    expect(result.changes.find((c) => c.kind === "assistant")).toMatchObject({ name: "Switchboard (dispatch)", action: "create" });
    expect(result.changes.find((c) => c.kind === "phone-number")).toMatchObject({
      action: "update",
      fields: expect.arrayContaining(["server.url"]),
    });
    expect(lines.join("\n")).toContain("Dry run: 6 change(s) pending");
    expect(api.requests.every((r) => r.authorization === "Bearer test-vapi-key")).toBe(true);
  });

  it("applies: creates the tools, the assistant referencing them by id, and points the phone number here", async () => {
    const result = await syncToVapi(await input(true));
    expect(result.applied).toBe(true);
    const tools = [...api.tools.values()] as { id: string; type: string; function: { name: string }; server: { url: string } }[];
    expect(tools.map((t) => t.function.name).sort()).toEqual(["echo", "explode", "record_note", "slow"]);
    expect(tools.every((t) => t.type === "function" && t.server.url === "https://sb.example.com/vapi/webhook")).toBe(true);
    const [assistant] = [...api.assistants.values()] as unknown as {
      name: string;
      model: { toolIds: string[]; tools: { type: string }[]; provider: string };
      hooks: { on: string; options: { timeoutSeconds: number } }[];
      server: { url: string };
    }[];
    expect(assistant?.name).toBe("Switchboard (dispatch)");
    expect([...(assistant?.model.toolIds ?? [])].sort()).toEqual(tools.map((t) => t.id).sort());
    expect(assistant?.model.tools).toEqual([{ type: "transferCall" }]);
    // The silence limit travels as a customer.speech.timeout hook (the assistant has no silenceTimeoutSeconds).
    expect(assistant).not.toHaveProperty("silenceTimeoutSeconds");
    expect(assistant?.hooks.at(-1)?.options.timeoutSeconds).toBe(assistantConfig.presets.dispatch.silenceTimeoutSeconds);
    expect(assistant?.server.url).toBe("https://sb.example.com/vapi/webhook");
    expect(api.phoneNumbers.get("pn-1")).toMatchObject({
      provider: "vapi",
      server: { url: "https://sb.example.com/vapi/webhook", headers: { "x-vapi-secret": "s3cret-s3cret-s3cret" } },
    });
  });

  it("finds nothing to do right after applying, and updates only what changed", async () => {
    const again = await syncToVapi(await input(false));
    expect(again.changes.every((c) => c.action === "unchanged")).toBe(true);

    const echo = [...api.tools.values()].find((t) => (t.function as { name: string }).name === "echo")!;
    api.tools.set(echo.id, { ...echo, function: { ...(echo.function as object), description: "stale" } });
    const before = api.requests.length;
    const result = await syncToVapi(await input(true));
    expect(result.changes.find((c) => c.name === "echo")).toMatchObject({ action: "update", fields: ["function.description"] });
    const writes = api.requests.slice(before).filter((r) => r.method !== "GET");
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /tool/${echo.id}`]);
  });
});

describe("npm run vapi", () => {
  const run = (args: string[], env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/cli/vapi/main.ts", ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", ...env },
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it("runs a dry run against the API at VAPI_API_URL", async () => {
    const { code, stdout } = await run(["diff"], {
      VAPI_API_KEY: "test-vapi-key",
      VAPI_API_URL: api.url,
      PUBLIC_URL: "https://sb.example.com",
      VAPI_SECRET: "s3cret-s3cret-s3cret",
      ASSISTANT_PRESET: "scheduling",
    });
    expect(code).toBe(0);
    expect(stdout).toContain("Vapi sync (dry run)");
    expect(stdout).toContain("+ create get_business_hours");
    expect(stdout).toContain("+ create Switchboard (scheduling)");
  });

  it("refuses to run without an API key, naming the variable", async () => {
    const { code, stderr } = await run(["diff"], { PUBLIC_URL: "https://sb.example.com", VAPI_SECRET: "s3cret-s3cret-s3cret" });
    expect(code).toBe(1);
    expect(stderr).toContain("VAPI_API_KEY");
  });
});
