// Protects "adding a file is all it takes" on both runtimes: the Workers tools index lists exactly the files Node discovers.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generateToolsIndex, renderToolsIndex } from "../../scripts/build/generate-tools-index.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { isToolFile } from "../../src/tools/tool-files.ts";

const tmp = fileURLToPath(new URL(`../.tmp/tools-index-${process.pid}-${Date.now()}/`, import.meta.url));
afterAll(() => rm(tmp, { recursive: true, force: true }));

const sourcesOf = (text: string) => [...text.matchAll(/source: "([^"]+)"/g)].map((m) => m[1]);

describe("tool file rule", () => {
  it("takes tool modules and leaves helpers, tests, declarations and other files", () => {
    expect(["book-slot.ts", "a.mjs", "b.js", "c.mts"].filter(isToolFile)).toHaveLength(4);
    for (const name of ["_shared.ts", ".hidden.ts", "x.test.ts", "x.spec.mts", "types.d.ts", "README.md", "data.json"]) {
      expect(isToolFile(name), name).toBe(false);
    }
  });
});

describe("tools index", () => {
  it("lists the same files, in the same order, as run-time discovery", async () => {
    for (const dir of ["../../tools", "../fixtures/tools"]) {
      const path = fileURLToPath(new URL(dir, import.meta.url));
      const text = await renderToolsIndex([{ dir: path, label: "tools" }], `${tmp}index.ts`);
      expect(sourcesOf(text)).toEqual((await discoverTools(path)).map((t) => t.source));
    }
  });

  it("picks up a new tool file and writes only when something changed", async () => {
    const dir = `${tmp}tools`;
    const out = `${tmp}generated/tools.ts`;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}/first.ts`, "export default {};\n");
    await writeFile(`${dir}/_helper.ts`, "export {};\n");
    expect(await generateToolsIndex([{ dir, label: "tools" }], out)).toBe(true);
    expect(await generateToolsIndex([{ dir, label: "tools" }], out)).toBe(false);

    await writeFile(`${dir}/second.ts`, "export default {};\n");
    expect(await generateToolsIndex([{ dir, label: "tools" }], out)).toBe(true);
    const text = await renderToolsIndex([{ dir, label: "tools" }], out);
    expect(sourcesOf(text)).toEqual(["tools/first.ts", "tools/second.ts"]);
    expect(text).toContain('import tool1 from "../tools/second.ts";');
  });
});
