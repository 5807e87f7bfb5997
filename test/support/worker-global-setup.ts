/**
 * Global setup of the worker tests: the same fresh database and Redis prefix as the integration
 * tests (global-setup.ts). The Workers plugin makes this project resolve packages for workerd
 * (postgres.js's socket build, inlined CommonJS), which cannot run here in Node; so the shared
 * setup is loaded by Node's own loader (through tsx) instead of the project's.
 */
import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";

type SharedSetup = { default: (project: TestProject) => Promise<() => Promise<void>> };

/**
 * miniflare's local Hyperdrive proxy pipes workerd's socket to Postgres without an `error`
 * listener on the workerd side (cloudflare/workers-sdk#15768): when a request's connection goes
 * away while Postgres is still sending, the write raises EPIPE/ECONNRESET in this process and
 * crashes the run, although every test passed. Only those socket errors are absorbed, with a
 * line on stderr; anything else still fails the run.
 */
function absorbProxySocketErrors() {
  process.on("uncaughtException", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ECONNRESET") {
      process.stderr.write(`[worker tests] ignored a local Hyperdrive proxy socket error: ${err.code}\n`);
      return;
    }
    throw err;
  });
}

export default async function setup(project: TestProject) {
  absorbProxySocketErrors();
  const require = createRequire(import.meta.url);
  const tsx = require("tsx/cjs/api") as { require(id: string, from: string): SharedSetup };
  const shared = tsx.require("./global-setup.ts", require.resolve("./global-setup.ts"));
  return shared.default(project);
}
