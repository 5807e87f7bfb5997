// Protects tool definitions: checked at load with clear messages, and Vapi's JSON schema generated from zod.

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineTool } from "../../src/tools/define-tool.ts";
import { createRegistry, parametersJsonSchema } from "../../src/tools/registry.ts";
import { timeoutSecondsFor } from "../../src/vapi/server-target.ts";
import { toVapiTool } from "../../src/assistant/vapi-tools.ts";

const tool = (over: Record<string, unknown> = {}) =>
  defineTool({
    name: "get_thing",
    description: "Gets a thing.",
    parameters: z.object({ id: z.string().describe("Thing id") }),
    handler: () => "ok",
    ...over,
  });

describe("createRegistry", () => {
  it("indexes tools by name, sorted", () => {
    const reg = createRegistry([
      { source: "tools/b.ts", tool: tool({ name: "b_tool" }) },
      { source: "tools/a.ts", tool: tool({ name: "a_tool" }) },
    ]);
    expect(reg.list().map((t) => t.name)).toEqual(["a_tool", "b_tool"]);
    expect(reg.get("a_tool")?.description).toBe("Gets a thing.");
  });

  it.each([
    [{ default: 1 }, "the default export must be the result of defineTool"],
    [tool({ name: "has space" }), 'name "has space" must be'],
    [tool({ name: "x".repeat(65) }), "must be 1-64"],
    [tool({ description: " " }), "needs a description"],
    [tool({ parameters: z.string() }), "parameters must be a z.object"],
    [tool({ budgetMs: -5 }), "budgetMs must be a positive integer"],
    [tool({ parameters: z.object({ when: z.date() }) }), "cannot be expressed as JSON schema"],
  ])("rejects an invalid definition (%#)", (bad, message) => {
    expect(() => createRegistry([{ source: "tools/bad.ts", tool: bad }])).toThrow(message);
    expect(() => createRegistry([{ source: "tools/bad.ts", tool: bad }])).toThrow("tools/bad.ts");
  });
});

describe("Vapi tool definitions", () => {
  it("generates the parameters schema from zod, optional and defaulted fields not required", () => {
    const def = tool({
      parameters: z.object({ id: z.string().describe("Thing id"), n: z.number().int().default(1), note: z.string().optional() }),
    });
    expect(parametersJsonSchema(def)).toEqual({
      type: "object",
      properties: {
        id: { type: "string", description: "Thing id" },
        n: { type: "integer", default: 1, minimum: expect.any(Number), maximum: expect.any(Number) },
        note: { type: "string" },
      },
      required: ["id"],
    });
  });

  it("attaches server, timeout from the budget, and filler messages", () => {
    const def = tool({
      budgetMs: 200,
      messages: { start: "One moment.", delayed: "Still on it.", delayedAfterMs: 1200, failed: "Could not check." },
    });
    const vapi = toVapiTool(def, { url: "https://x/vapi/webhook", secret: "s" }, 200) as Record<string, unknown>;
    expect(vapi.server).toEqual({ url: "https://x/vapi/webhook", timeoutSeconds: 2, headers: { "x-vapi-secret": "s" } });
    expect(vapi.messages).toEqual([
      { type: "request-start", content: "One moment.", blocking: false },
      { type: "request-response-delayed", content: "Still on it.", timingMilliseconds: 1200 },
      { type: "request-failed", content: "Could not check." },
    ]);
    expect(toVapiTool(def, { url: "u", secret: "s", credentialId: "cred-1" }, 200).server).toEqual({
      url: "u",
      timeoutSeconds: 2,
      credentialId: "cred-1",
    });
  });

  it("keeps Vapi's timeout within 1..300 seconds", () => {
    expect(timeoutSecondsFor(10)).toBe(2);
    expect(timeoutSecondsFor(200)).toBe(2);
    expect(timeoutSecondsFor(5000)).toBe(7);
    expect(timeoutSecondsFor(600_000)).toBe(300);
  });
});
