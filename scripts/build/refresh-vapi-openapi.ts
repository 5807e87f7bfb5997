/**
 * `npm run vapi:openapi [-- --from FILE] [--ref COMMIT]`: refreshes the vendored copy of Vapi's
 * published OpenAPI document (test/fixtures/vapi/openapi.json) that the conformance tests
 * validate against, and records where it came from in the README beside it.
 */
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { from: { type: "string" }, ref: { type: "string", default: "main" } } });
const target = fileURLToPath(new URL("../../test/fixtures/vapi/openapi.json", import.meta.url));
const readme = fileURLToPath(new URL("../../test/fixtures/vapi/README.md", import.meta.url));
const source = values.from ?? `https://raw.githubusercontent.com/VapiAI/docs/${values.ref}/fern/apis/api/openapi.json`;

let text: string;
if (values.from) {
  text = await readFile(values.from, "utf8");
} else {
  const response = await fetch(source).catch((err: unknown) => {
    throw new Error(`Could not reach ${new URL(source).host}: ${(err as Error).message}. Download the file and pass --from FILE.`);
  });
  if (!response.ok) throw new Error(`${source} answered ${response.status}.`);
  text = await response.text();
}
const document = JSON.parse(text) as { openapi?: string; components?: { schemas?: Record<string, unknown> } };
if (!document.openapi?.startsWith("3.") || !document.components?.schemas?.CreateAssistantDTO) {
  throw new Error(`${source} is not Vapi's OpenAPI 3 document (no components.schemas.CreateAssistantDTO).`);
}
const sha = createHash("sha256").update(text).digest("hex");
await writeFile(target, text);
const note = (await readFile(readme, "utf8"))
  .replace(/commit `[^`]*`\n\(fetched [^)]*\)/, `commit \`${values.ref}\`\n(fetched ${new Date().toISOString().slice(0, 10)})`)
  .replace(/sha256 `[0-9a-f]{64}`/, `sha256 \`${sha}\``);
await writeFile(readme, note);
process.stdout.write(
  `Wrote test/fixtures/vapi/openapi.json (${Object.keys(document.components.schemas).length} schemas, sha256 ${sha}).\n`,
);
