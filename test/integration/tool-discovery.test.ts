// Protects the extension story: a tool is a file under tools/, found without editing any registry; bad files stop start-up.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry, ToolDefinitionError } from "../../src/tools/registry.ts";
import { createTestApp } from "../support/harness.ts";
import { assistantRequest, toolCallsMessage } from "../support/vapi-messages.ts";

const root = fileURLToPath(new URL("../.tmp/", import.meta.url));
const dir = `${root}tools-${process.pid}-${Date.now()}`;
afterAll(() => rm(dir, { recursive: true, force: true }));

const toolFile = (name: string) => `import { z } from "zod";
import { defineTool } from "../../../src/tools/define-tool.ts";
export default defineTool({
  name: "${name}",
  description: "Says hello to a name.",
  parameters: z.object({ who: z.string() }),
  handler: ({ input }) => \`hello \${input.who}\`,
});
`;

describe("tool discovery", () => {
  it("serves a tool as soon as its file is added to the tools folder", async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/first.ts`, toolFile("first_tool"));
    const before = await createTestApp({ toolsDir: dir });
    expect(before.deps.registry.get("say_hello")).toBeUndefined();

    await writeFile(`${dir}/say-hello.ts`, toolFile("say_hello"));
    const after = await createTestApp({ toolsDir: dir });
    const { json } = await after.webhook(toolCallsMessage([{ id: "hello_1", name: "say_hello", args: { who: "Ada" } }]));
    expect(json.results).toEqual([{ toolCallId: "hello_1", name: "say_hello", result: "hello Ada" }]);

    const assistant = await after.webhook(assistantRequest());
    const names = (assistant.json.assistant as { model: { tools: { function: { name: string } }[] } }).model.tools.map(
      (t) => t.function.name,
    );
    expect(names).toContain("say_hello");
    expect(names).toContain("first_tool");
  });

  it("ignores helpers starting with an underscore, tests and type declarations", async () => {
    const sub = `${dir}-ignored`;
    await mkdir(sub, { recursive: true });
    await writeFile(`${sub}/_shared.ts`, "export const x = 1;\n");
    await writeFile(`${sub}/thing.test.ts`, "export {};\n");
    await writeFile(`${sub}/types.d.ts`, "export {};\n");
    expect(await discoverTools(sub)).toEqual([]);
    await rm(sub, { recursive: true, force: true });
  });

  it("stops start-up on a duplicate name, naming both files", async () => {
    const dup = `${dir}-dup`;
    await mkdir(dup, { recursive: true });
    await writeFile(`${dup}/a.ts`, toolFile("twin"));
    await writeFile(`${dup}/b.ts`, toolFile("twin"));
    const loaded = await discoverTools(dup);
    expect(() => createRegistry(loaded)).toThrow(ToolDefinitionError);
    expect(() => createRegistry(loaded)).toThrow(/tools\/b\.ts: tool name "twin" is already defined in tools\/a\.ts/);
    await rm(dup, { recursive: true, force: true });
  });
});
