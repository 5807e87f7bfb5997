// Protects the documentation a newcomer reads: every code fence closes, every relative link (and its anchor) resolves, and docs/configuration.md lists every variable the configuration schema knows, as the schema describes it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { renderConfigurationDoc } from "../../scripts/build/config-docs.ts";
import { configSchema } from "../../src/config.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) return markdownFiles(path);
    return d.name.endsWith(".md") ? [path] : [];
  });
}

const pages = ["README.md", ...markdownFiles("docs")];
const read = (page: string) => readFileSync(join(root, page), "utf8");

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");

function anchorsOf(page: string): Set<string> {
  const text = read(page).replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe("the documentation", () => {
  it("is found (README and docs/)", () => {
    expect(pages.length).toBeGreaterThan(8);
  });

  it("closes every code fence", () => {
    const unclosed = pages.filter((page) => (read(page).match(/^\s*```/gm) ?? []).length % 2 !== 0);
    expect(unclosed).toEqual([]);
  });

  it("links only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page).replace(/```[\s\S]*?```/g, "");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [path, anchor] = target!.split("#") as [string, string | undefined];
        const file = path === "" ? page : relative(root, join(root, dirname(page), path));
        let exists = false;
        try {
          exists = statSync(join(root, file)).isFile() || statSync(join(root, file)).isDirectory();
        } catch {}
        if (!exists) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && file.endsWith(".md") && !anchorsOf(file).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("documents every configuration variable, as generated from the schema (npm run docs:config)", () => {
    const page = read("docs/configuration.md");
    expect(page).toBe(renderConfigurationDoc());
    const missing = Object.keys(configSchema.shape).filter((name) => !page.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
    const undescribed = Object.entries(configSchema.shape)
      .filter(([, schema]) => !schema.description)
      .map(([name]) => name);
    expect(undescribed).toEqual([]);
  });

  it("keeps the README a short entry point (about 12 KB)", () => {
    expect(Buffer.byteLength(read("README.md"))).toBeLessThanOrEqual(12 * 1024);
  });
});
