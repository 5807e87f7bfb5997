// Protects the promise that the documentation's tool examples run as written: each `// tools/<name>.ts` block in the README and docs/ is loaded as a tool file, and the README's is called through the webhook against the real services.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerMemory } from "../../src/db/schema/index.ts";
import { callTool, givenShipment, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dir = join(root, "test", ".tmp", `docs-examples-${process.pid}-${Date.now()}`);
const src = new URL("../../src/", import.meta.url).href;

/** Every `// tools/<file>.ts` code block of a page, as [file name, code]. */
function toolBlocks(text: string): [string, string][] {
  return [...text.matchAll(/```ts\n\/\/ tools\/([a-z0-9-]+\.ts)\n([\s\S]*?)```/g)].map((m) => [m[1]!, m[2]!]);
}

let t: TestApp;
let pages: { page: string; blocks: [string, string][] }[];

beforeAll(async () => {
  const docs = (await readdir(join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => join("docs", f));
  pages = await Promise.all(
    ["README.md", ...docs].map(async (page) => ({ page, blocks: toolBlocks(await readFile(join(root, page), "utf8")) })),
  );
  await mkdir(dir, { recursive: true });
  for (const { blocks } of pages) {
    // Imports of the project resolve from the temporary folder as they would from tools/.
    for (const [file, code] of blocks) await writeFile(join(dir, file), code.replaceAll('"../src/', `"${src}`));
  }
  t = await createTestApp({ toolsDir: dir });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("tool examples in the documentation", () => {
  it("are all loaded by the registry (the README's and docs/vapi.md's at least)", () => {
    const files = pages.flatMap((p) => p.blocks.map(([file]) => file));
    expect(files).toEqual(expect.arrayContaining(["count-open-shipments.ts", "get-order-code.ts", "remember-preferred-name.ts"]));
    expect(t.deps.registry.list().map((tool) => tool.name)).toEqual(
      expect.arrayContaining(["count_open_shipments", "get_order_code", "remember_preferred_name"]),
    );
  });

  it("the README's example answers a caller from their shipments, and asks for a number when the caller is unknown", async () => {
    const caller = uniquePhone();
    await givenShipment(t, { customerPhone: caller, estimatedDelivery: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    const answer = await callTool(t, "count_open_shipments", {}, { caller });
    expect(answer.data).toMatchObject({ openShipments: 1 });
    expect(String(answer.data?.nextArrival)).not.toBe("none expected");
    const anonymous = await callTool(t, "count_open_shipments", {}, { caller: null });
    expect(anonymous.error).toContain("ask for the tracking number");
  });

  it("docs/tools.md's example remembers the caller's name across calls, once however often it is delivered", async () => {
    const caller = uniquePhone();
    const first = await callTool(t, "remember_preferred_name", { name: "Sam" }, { caller, id: "call_remember_1", callId: "docs-call-1" });
    expect(first.data).toEqual({ remembered: "Sam" });
    const again = await callTool(t, "remember_preferred_name", { name: "Sam" }, { caller, id: "call_remember_1", callId: "docs-call-1" });
    expect(again.result).toBe(first.result);
    const [memory] = await t.deps.db.select().from(callerMemory).where(eq(callerMemory.callerNumber, caller));
    expect(memory?.name).toBe("Sam");
  });
});
