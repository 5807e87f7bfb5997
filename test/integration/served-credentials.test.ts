// Protects what the assistant served on assistant-request tells Vapi about authentication: the credential by id, never the secret unless VAPI_SERVER_AUTH=header, and a retry plan on every server.
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { createTestApp, TEST_SECRET } from "../support/harness.ts";
import { assistantRequest } from "../support/vapi-messages.ts";
import { vapiValidator } from "../support/vapi-schema.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
type Server = { url: string; credentialId?: string; headers?: Record<string, string>; backoffPlan?: { maxRetries: number } };
type Served = { assistant: { server?: Server; model: { tools: { type: string; server?: Server }[] } } };

/** The assistant's server and every function tool's server, from one assistant-request answer. */
async function servedServers(env: Record<string, string>) {
  const t = await createTestApp({ toolsDir: fixtures, env: { PUBLIC_URL: "https://sb.example.com", ...env } });
  const { status, json } = await t.webhook(assistantRequest());
  expect(status).toBe(200);
  const served = json as unknown as Served;
  const tools = served.assistant.model.tools.filter((tool) => tool.type === "function");
  expect(tools.length).toBeGreaterThan(0);
  return {
    raw: JSON.stringify(json),
    servers: [served.assistant.server, ...tools.map((tool) => tool.server)].filter((s): s is Server => s !== undefined),
    count: tools.length + 1,
    logs: t.logs,
  };
}

beforeAll(() => {
  vapiValidator().validate("Server", {});
}, 60_000);

describe("the served assistant's servers", () => {
  it("reference VAPI_CREDENTIAL_ID, with no secret anywhere in the answer", async () => {
    const { raw, servers, count } = await servedServers({ VAPI_CREDENTIAL_ID: "cred-123" });
    expect(raw).not.toContain(TEST_SECRET);
    expect(servers).toHaveLength(count);
    for (const server of servers) {
      expect(server).toMatchObject({ url: "https://sb.example.com/vapi/webhook", credentialId: "cred-123" });
      expect(server.headers).toBeUndefined();
      expect(server.backoffPlan).toBeDefined();
      expect(vapiValidator().validate("Server", server).errors).toEqual([]);
    }
  });

  it("name no server at all when no credential id is known, so Vapi uses the phone number's authenticated one", async () => {
    const { raw, servers } = await servedServers({});
    expect(raw).not.toContain(TEST_SECRET);
    expect(servers).toEqual([]);
  });

  it("carry the secret as x-vapi-secret only with VAPI_SERVER_AUTH=header", async () => {
    const { servers } = await servedServers({ VAPI_SERVER_AUTH: "header", VAPI_CREDENTIAL_ID: "cred-123" });
    for (const server of servers) {
      expect(server.headers).toEqual({ "x-vapi-secret": TEST_SECRET });
      expect(server.credentialId).toBeUndefined();
    }
  });
});
