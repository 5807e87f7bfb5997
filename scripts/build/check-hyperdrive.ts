/**
 * Before `wrangler deploy` (`npm run deploy:worker`): every Hyperdrive configuration bound in
 * wrangler.toml must have its query cache disabled (see scripts/build/hyperdrive-caching.ts).
 * Asks Cloudflare with `wrangler hyperdrive get`, so it needs the same login as the deploy.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { hyperdriveCachingProblem, hyperdriveIds, parseHyperdriveGet } from "./hyperdrive-caching.ts";

const run = promisify(execFile);
const ids = hyperdriveIds(await readFile(new URL("../../wrangler.toml", import.meta.url), "utf8"));
const placeholder = ids.find((id) => /^0+$/.test(id));
if (placeholder !== undefined || ids.length === 0) {
  process.stderr.write(
    "wrangler.toml binds no Hyperdrive configuration of yours yet: create one (docs/workers.md, step 2) and put its id in [[hyperdrive]].\n",
  );
  process.exit(1);
}
let failed = false;
for (const id of ids) {
  const { stdout } = await run("npx", ["wrangler", "hyperdrive", "get", id], { env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  const problem = hyperdriveCachingProblem(parseHyperdriveGet(stdout));
  if (problem) {
    process.stderr.write(`${problem}\n`);
    failed = true;
  } else {
    process.stdout.write(`Hyperdrive ${id}: query cache disabled.\n`);
  }
}
process.exitCode = failed ? 1 : 0;
