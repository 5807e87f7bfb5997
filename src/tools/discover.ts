/**
 * Finds the tools on disk (Node only): every `.ts`/`.js` file directly under `tools/` whose name
 * does not start with `_` (shared helpers) and is not a test. Adding a file is all it takes.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LoadedTool } from "./registry.ts";
import { toolFiles } from "./tool-files.ts";

export const defaultToolsDir = fileURLToPath(new URL("../../tools", import.meta.url));

/** Imports every tool file in `dir`, in name order. */
export async function discoverTools(dir: string = defaultToolsDir): Promise<LoadedTool[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = toolFiles(entries.filter((e) => e.isFile()).map((e) => e.name));
  return Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const mod = (await import(pathToFileURL(path).href)) as { default?: unknown };
      return { source: `tools/${file}`, tool: mod.default };
    }),
  );
}
