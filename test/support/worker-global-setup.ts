/**
 * Global setup of the worker tests (both projects of vitest.workers.config.ts): the same fresh
 * database and Redis prefix per project as the integration tests (global-setup.ts). The Workers
 * plugin makes its project resolve packages for workerd (postgres.js's socket build, inlined
 * CommonJS), which cannot run here in Node; so the shared setup is loaded by Node's own loader
 * (through tsx) instead of the project's, for both projects (two loaders would load ioredis twice).
 */
import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";

type SharedSetup = { default: (project: TestProject) => Promise<() => Promise<void>> };

/**
 * miniflare's local Hyperdrive proxy pipes workerd's socket to Postgres without an `error`
 * listener on the workerd side (cloudflare/workers-sdk#15768): a socket workerd resets raises
 * EPIPE/ECONNRESET in this process and would crash the run. The Worker no longer abandons queries
 * (work past a budget runs under waitUntil), but connections a test opened outside a request are
 * still open when the pool closes a test file's isolate, and those are reset then. Only these
 * socket errors are absorbed, counted in one line at exit; anything else still fails the run.
 */
let absorbing = false;
function absorbProxySocketErrors() {
  if (absorbing) return;
  absorbing = true;
  let resets = 0;
  process.on("uncaughtException", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ECONNRESET") {
      resets++;
      return;
    }
    throw err;
  });
  process.on("exit", () => {
    if (resets > 0) {
      process.stderr.write(`[worker tests] absorbed ${resets} socket reset(s) of the local Hyperdrive proxy (workers-sdk#15768).\n`);
    }
  });
}

export default async function setup(project: TestProject) {
  absorbProxySocketErrors();
  const require = createRequire(import.meta.url);
  const tsx = require("tsx/cjs/api") as { require(id: string, from: string): SharedSetup };
  const shared = tsx.require("./global-setup.ts", require.resolve("./global-setup.ts"));
  return shared.default(project);
}
