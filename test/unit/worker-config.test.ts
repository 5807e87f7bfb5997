// Protects the Worker's production configuration that no local test can show: Hyperdrive's query cache stays disabled in every documented command and in the deploy check, and the bundle is minified with its source maps uploaded.
import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  commandsKeepingTheCache,
  hyperdriveCachingProblem,
  hyperdriveIds,
  parseHyperdriveGet,
} from "../../scripts/build/hyperdrive-caching.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFile(new URL(path, root), "utf8");

async function documentation(): Promise<{ path: string; text: string }[]> {
  const docs = (await readdir(new URL("docs/", root), { recursive: true })).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
  return Promise.all(["README.md", "wrangler.toml", "package.json", ...docs].map(async (path) => ({ path, text: await read(path) })));
}

describe("Hyperdrive's query cache", () => {
  it("is disabled by every hyperdrive create or update command the project documents", async () => {
    const files = await documentation();
    const documented = files.flatMap(({ path, text }) =>
      text
        .split("\n")
        .filter((l) => /wrangler hyperdrive (create|update)/.test(l))
        .map(() => path),
    );
    expect(documented).toContain("docs/workers.md");
    expect(files.flatMap(({ path, text }) => commandsKeepingTheCache(text).map((line) => `${path}: ${line.trim()}`))).toEqual([]);
  });

  it("notices a command that lost --caching-disabled", () => {
    const text =
      'npx wrangler hyperdrive create switchboard-db --connection-string="postgres://u:p@h:5432/db"\nnpx wrangler hyperdrive update ID --caching-disabled';
    expect(commandsKeepingTheCache(text)).toEqual([
      'npx wrangler hyperdrive create switchboard-db --connection-string="postgres://u:p@h:5432/db"',
    ]);
  });

  it("passes the deploy check only for a configuration whose caching is disabled", () => {
    expect(hyperdriveCachingProblem({ id: "a1", name: "db", caching: { disabled: true } })).toBeUndefined();
    expect(hyperdriveCachingProblem({ id: "a1", name: "db" })).toMatch(
      /caches query results \(the defaults.*hyperdrive update a1 --caching-disabled$/,
    );
    expect(hyperdriveCachingProblem({ id: "a1", caching: { disabled: false, max_age: 60, stale_while_revalidate: 15 } })).toMatch(
      /max_age 60 s, stale_while_revalidate 15 s/,
    );
  });

  it("reads the configuration out of wrangler's output and the ids out of wrangler.toml", async () => {
    const output = ' ⛅️ wrangler 4.86.0\n──────\n{\n  "id": "a1",\n  "name": "db",\n  "caching": {\n    "disabled": true\n  }\n}\n';
    expect(parseHyperdriveGet(output)).toEqual({ id: "a1", name: "db", caching: { disabled: true } });
    expect(hyperdriveIds(await read("wrangler.toml"))).toEqual(["00000000000000000000000000000000"]);
  });

  it("is checked before every deploy", async () => {
    const scripts = (JSON.parse(await read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts["deploy:worker"]).toMatch(/^tsx scripts\/build\/check-hyperdrive\.ts && .*wrangler deploy/);
  });
});

describe("the Worker bundle", () => {
  it("is minified, with source maps uploaded so stack traces stay readable", async () => {
    const toml = await read("wrangler.toml");
    expect(toml).toMatch(/^minify = true$/m);
    expect(toml).toMatch(/^upload_source_maps = true$/m);
  });
});
