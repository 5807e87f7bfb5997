// Protects tool definitions: checked at load with clear messages, and Vapi's tool definition generated from zod in the JSON Schema Vapi's API accepts.

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { toVapiTool } from "../../src/assistant/vapi-tools.ts";
import { defineTool, isExactWords, isFailure, type ToolDefinition } from "../../src/tools/define-tool.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry, parametersJsonSchema } from "../../src/tools/registry.ts";
import { timeoutSecondsFor } from "../../src/vapi/server-target.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const tool = (over: Record<string, unknown> = {}) =>
  defineTool({
    name: "get_thing",
    description: "Gets a thing.",
    parameters: z.object({ id: z.string().describe("Thing id") }),
    handler: () => "ok",
    ...over,
  });

/** The errors Vapi's API would answer for this value, one per line ("" when accepted). */
const vapiErrors = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);

// Reading and compiling Vapi's document takes a few seconds once per process.
beforeAll(() => {
  vapiValidator().validate("CreateFunctionToolDTO", { type: "function", function: { name: "warm" } });
}, 60_000);

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
    [tool({ messages: { start: "" } }), "messages.start must be a non-empty sentence"],
    [tool({ messages: { failed: "x".repeat(1001) } }), "messages.failed is 1001 characters; Vapi takes at most 1000"],
    [tool({ messages: { delayed: "Still on it.", delayedAfterMs: 50 } }), "delayedAfterMs must be whole milliseconds from 100 to 120000"],
    [tool({ messages: { failure: "Oops." } }), "messages.failure is not a tool message"],
    [tool({ messages: { start: [] } }), "messages.start is an empty list"],
    [tool({ messages: { start: { contents: { english: "Hi." } } } }), '"english" is not a language code'],
    [
      tool({ messages: { start: { content: "Hi.", conditions: [{ param: "nope", operator: "eq", value: "1" }] } } }),
      '"nope" is not a parameter',
    ],
    [tool({ messages: { start: { content: "Hi.", conditions: [{ param: "id", operator: "like", value: "1" }] } } }), 'operator "like"'],
    [tool({ messages: { start: { conditions: [] } } }), "messages.start needs content or contents"],
    [tool({ timeoutMessage: " " }), "timeoutMessage must be a non-empty sentence"],
  ])("rejects an invalid definition (%#)", (bad, message) => {
    expect(() => createRegistry([{ source: "tools/bad.ts", tool: bad }])).toThrow(message);
    expect(() => createRegistry([{ source: "tools/bad.ts", tool: bad }])).toThrow("tools/bad.ts");
  });
});

describe("parameters in Vapi's JSON Schema", () => {
  // Each zod construct: what Vapi gets for the argument, or why the tool is refused at load.
  const cases: [string, z.ZodType, Record<string, unknown> | string][] = [
    [
      "string with limits",
      z.string().trim().min(1).max(64).describe("The slot."),
      { type: "string", description: "The slot. (1 to 64 characters)" },
    ],
    ["integer range", z.number().int().min(1).max(5), { type: "integer", description: "1 to 5" }],
    ["plain integer (no safe-integer noise)", z.number().int(), { type: "integer" }],
    ["exclusive bound", z.number().positive(), { type: "number", description: "more than 0" }],
    ["array size", z.array(z.string()).min(1).max(3), { type: "array", items: { type: "string" }, description: "1 to 3 items" }],
    ["default", z.number().int().default(1).describe("How many."), { type: "integer", description: "How many. (default 1)" }],
    ["string literal", z.literal("x"), { type: "string", enum: ["x"] }],
    ["string literals", z.union([z.literal("a"), z.literal("b")]), { type: "string", enum: ["a", "b"] }],
    ["number literals", z.union([z.literal(1), z.literal(2)]), { type: "number", description: "one of 1, 2" }],
    ["nullable", z.string().nullable(), { type: "string" }],
    ["strict nested object", z.strictObject({ a: z.string() }), { type: "object", properties: { a: { type: "string" } }, required: ["a"] }],
    ["format Vapi knows", z.uuid(), { type: "string", format: "uuid", pattern: expect.any(String) }],
    ["format Vapi does not know", z.url(), { type: "string", description: "format: uri" }],
    [
      "title and examples",
      z.string().meta({ title: "Code", examples: ["K7Q2"] }),
      { type: "string", title: "Code", description: 'e.g. "K7Q2"' },
    ],
    ["enum", z.enum(["morning", "evening"]), { type: "string", enum: ["morning", "evening"] }],
    ["union of types", z.union([z.string(), z.number()]), "one argument of several types (string, number)"],
    ["union of shapes", z.discriminatedUnion("k", [z.object({ k: z.literal("a") }), z.object({ k: z.literal("b") })]), '"oneOf"'],
    ["map", z.record(z.string(), z.string()), "maps (z.record) cannot be expressed"],
    ["any", z.any(), "every argument needs a type"],
    ["tuple", z.tuple([z.string(), z.number()]), "tuples cannot be expressed"],
  ];

  it.each(cases)("%s", (_, schema, expected) => {
    const def = tool({ parameters: z.object({ x: schema }) });
    if (typeof expected === "string") {
      expect(() => createRegistry([{ source: "tools/x.ts", tool: def }])).toThrow(`argument "x": ${expected}`);
      return;
    }
    const parameters = parametersJsonSchema(def);
    expect((parameters.properties as Record<string, unknown>).x).toEqual(expected);
    expect(vapiErrors("OpenAIFunctionParameters", parameters)).toBe("");
  });

  it("keeps the limits in zod: the dispatcher still refuses what the description only states", () => {
    const def = tool({ parameters: z.object({ limit: z.number().int().min(1).max(5) }) });
    expect(parametersJsonSchema(def)).toEqual({
      type: "object",
      properties: { limit: { type: "integer", description: "1 to 5" } },
      required: ["limit"],
    });
    expect(def.parameters.safeParse({ limit: 9 }).success).toBe(false);
  });

  it("refuses a recursive schema, naming the tool and its file", () => {
    const Node: z.ZodType = z.lazy(() => z.object({ child: Node.optional() }));
    expect(() => createRegistry([{ source: "tools/tree.ts", tool: tool({ parameters: z.object({ root: Node }) }) }])).toThrow(
      /tools\/tree\.ts: tool "get_thing": its parameters cannot be expressed as JSON schema \(the parameters: "definitions" \(a reused or recursive schema\)/,
    );
  });
});

describe("Vapi tool definitions", () => {
  it("attaches server, timeout from the budget, and filler messages", () => {
    const def = tool({
      budgetMs: 200,
      messages: { start: "One moment.", delayed: "Still on it.", delayedAfterMs: 1200, failed: "Could not check." },
    });
    const target = { url: "https://x/vapi/webhook", auth: { kind: "credential", credentialId: "cred-1" } } as const;
    const vapi = toVapiTool(def, target, 200) as Record<string, unknown>;
    expect(vapi.server).toMatchObject({ url: "https://x/vapi/webhook", timeoutSeconds: 2, credentialId: "cred-1" });
    expect(vapi.server).not.toHaveProperty("headers");
    expect(vapi.messages).toEqual([
      { type: "request-start", content: "One moment.", blocking: false },
      { type: "request-response-delayed", content: "Still on it.", timingMilliseconds: 1200 },
      { type: "request-failed", content: "Could not check." },
    ]);
    expect(toVapiTool(def, { url: "u", auth: { kind: "header", secret: "s" } }, 200).server).toMatchObject({
      headers: { "x-vapi-secret": "s" },
    });
  });

  it("turns variants, languages, conditions and request-complete into Vapi's tool messages, which Vapi accepts", () => {
    const def = tool({
      parameters: z.object({ partOfDay: z.enum(["morning", "evening"]).optional() }),
      messages: {
        start: [
          { content: "Let me look at the mornings.", conditions: [{ param: "partOfDay", operator: "eq", value: "morning" }] },
          { contents: { en: "Let me look.", es: "Déjeme ver." } },
        ],
        complete: "Done.",
        failed: {
          content: "Sorry, the calendar is down.",
          contents: { en: "Sorry, the calendar is down.", es: "Lo siento, el calendario no funciona." },
        },
      },
    });
    const vapi = toVapiTool(def, { url: "https://x.example.com/vapi/webhook", auth: { kind: "credential", credentialId: "cred-1" } }, 200);
    expect(vapi.messages).toEqual([
      {
        type: "request-start",
        content: "Let me look at the mornings.",
        conditions: [{ param: "partOfDay", operator: "eq", value: "morning" }],
        blocking: false,
      },
      {
        type: "request-start",
        contents: [
          { type: "text", text: "Let me look.", language: "en" },
          { type: "text", text: "Déjeme ver.", language: "es" },
        ],
        blocking: false,
      },
      { type: "request-complete", content: "Done." },
      {
        type: "request-failed",
        content: "Sorry, the calendar is down.",
        contents: [
          { type: "text", text: "Sorry, the calendar is down.", language: "en" },
          { type: "text", text: "Lo siento, el calendario no funciona.", language: "es" },
        ],
      },
    ]);
    expect(vapiErrors("CreateFunctionToolDTO", vapi)).toBe("");
  });

  it("keeps Vapi's timeout within 1..300 seconds", () => {
    expect(timeoutSecondsFor(10)).toBe(2);
    expect(timeoutSecondsFor(200)).toBe(2);
    expect(timeoutSecondsFor(5000)).toBe(7);
    expect(timeoutSecondsFor(600_000)).toBe(300);
  });
});

describe("the tool example in docs/vapi.md", () => {
  const tmp = fileURLToPath(new URL(`../.tmp/docs-tool-${process.pid}-${Date.now()}/`, import.meta.url));
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("loads as written, is valid for Vapi, and answers with dictated words or an outcome", async () => {
    const doc = await readFile(new URL("../../docs/vapi.md", import.meta.url), "utf8");
    const code = /```ts\n\/\/ tools\/get-order-code\.ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(code).toBeDefined();
    await mkdir(tmp, { recursive: true });
    const src = new URL("../../src/", import.meta.url).href;
    await writeFile(`${tmp}get-order-code.ts`, code!.replaceAll('"../src/', `"${src}`));
    const [loaded] = createRegistry(await discoverTools(tmp)).list() as ToolDefinition[];
    expect(
      vapiErrors(
        "CreateFunctionToolDTO",
        toVapiTool(loaded!, { url: "https://sb.example.com/vapi/webhook", auth: { kind: "credential", credentialId: "cred-1" } }, 200),
      ),
    ).toBe("");
    const run = (order: string) => loaded!.handler({ input: { order }, ctx: {} as never, signal: new AbortController().signal });
    const found = await run("42");
    expect(isExactWords(found) && found.words).toBe("Your pickup code is K, 7, Q, 2.");
    expect(isFailure(await run("7"))).toBe(true);
  });
});
