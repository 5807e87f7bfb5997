// Protects the layering the code tour promises: a file imports only from its own layer or the ones below it, with no cycles, and src/ never reaches into scripts/ or test/.
import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Bottom to top. A path belongs to the first layer with a matching prefix. */
const LAYERS: { name: string; prefixes: string[] }[] = [
  { name: "foundations", prefixes: ["src/lib/", "src/config.ts"] },
  { name: "infrastructure", prefixes: ["src/db/", "src/cache/", "src/telemetry/", "src/vapi/", "src/integrations/"] },
  { name: "services", prefixes: ["src/services/"] },
  { name: "tool runtime", prefixes: ["src/tools/"] },
  { name: "business tools", prefixes: ["tools/"] },
  { name: "assistant", prefixes: ["src/assistant/", "assistant.config.ts"] },
  { name: "app dependencies", prefixes: ["src/deps.ts"] },
  { name: "server messages", prefixes: ["src/server-messages/"] },
  { name: "http edge", prefixes: ["src/http/"] },
  { name: "app", prefixes: ["src/app.ts"] },
  { name: "runtimes", prefixes: ["src/runtime/"] },
  { name: "entries", prefixes: ["src/server.ts", "src/server-bundled.ts", "src/worker.ts", "src/generated/"] },
];

function layerOf(file: string): number {
  const index = LAYERS.findIndex((l) => l.prefixes.some((p) => file === p || file.startsWith(p)));
  return index;
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const path = posix.join(dir, d.name);
    if (d.isDirectory()) return sources(path);
    return /\.ts$/.test(d.name) && !d.name.endsWith(".d.ts") ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^"';]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|(?:^|\n)\s*import\s*["']([^"']+)["']/g;

/** The project files a file imports (relative specifiers only; packages are not layers). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith(".")) out.push(posix.normalize(posix.join(posix.dirname(file), spec)));
  }
  return out;
}

const files = [...sources("src"), ...sources("tools"), "assistant.config.ts"];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("the layers", () => {
  it("place every source file", () => {
    expect(files.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it("run downward: no file imports from a layer above its own", () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => layerOf(t) > layerOf(file))
        .map((t) => `${file} (${LAYERS[layerOf(file)]!.name}) imports ${t} (${LAYERS[layerOf(t)]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it("never reach from the product into scripts/ or test/", () => {
    const outward = [...graph].flatMap(([file, targets]) =>
      targets.filter((t) => t.startsWith("scripts/") || t.startsWith("test/")).map((t) => `${file} imports ${t}`),
    );
    expect(outward).toEqual([]);
  });

  it("have no import cycles", () => {
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "visiting") {
        cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "visiting");
      for (const t of graph.get(file) ?? []) visit(t, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("keep scripts/ independent of test/", () => {
    const scriptFiles = sources("scripts");
    const intoTests = scriptFiles.flatMap((f) =>
      importsOf(f)
        .filter((t) => t.startsWith("test/"))
        .map((t) => `${f} imports ${t}`),
    );
    expect(intoTests).toEqual([]);
  });

  it("keep source files small enough to read (about 300 lines at most)", () => {
    const long = sources("src")
      .filter((f) => !f.startsWith("src/generated/"))
      .map((f) => ({ f, lines: readFileSync(join(root, f), "utf8").split("\n").length }))
      .filter(({ lines }) => lines > 320)
      .map(({ f, lines }) => `${relative(".", f)}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});
