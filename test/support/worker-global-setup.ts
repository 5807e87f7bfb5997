/**
 * Global setup of the worker tests: the same fresh database and Redis prefix as the integration
 * tests (global-setup.ts). The Workers plugin makes this project resolve packages for workerd
 * (postgres.js's socket build, inlined CommonJS), which cannot run here in Node; so the shared
 * setup is loaded by Node's own loader (through tsx) instead of the project's.
 */
import { createRequire } from "node:module";
import type { TestProject } from "vitest/node";

type SharedSetup = { default: (project: TestProject) => Promise<() => Promise<void>> };

export default async function setup(project: TestProject) {
  const require = createRequire(import.meta.url);
  const tsx = require("tsx/cjs/api") as { require(id: string, from: string): SharedSetup };
  const shared = tsx.require("./global-setup.ts", require.resolve("./global-setup.ts"));
  return shared.default(project);
}
