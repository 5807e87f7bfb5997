/**
 * The Worker's tests (`npm run test:worker`, part of `npm test`), in two projects:
 * - `worker`: inside workerd, through the Worker's own entry as wrangler.toml declares it, against
 *   the run's fresh database (through Hyperdrive's local connection string) and Redis. A config
 *   of its own: the Workers plugin changes how every module of its project resolves.
 * - `dev-worker`: in Node, starts `npm run dev:worker` (wrangler dev) as a user does and runs the
 *   Vapi contract and budget expiries against it (test/worker/dev-server/).
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { generateToolsIndex } from "./scripts/build/generate-tools-index.ts";

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// They need the real services: workerd reaches Postgres through Hyperdrive's local proxy, one
// connection per request, which the single-session embedded database cannot serve. CI sets both.
// `npm run test:worker` (scripts/build/test-worker.ts) skips this config with one line when they are unset.
const services = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);

// The Worker under test serves the real tools plus the test fixtures: its generated index
// (src/generated/tools.ts) is swapped for one that also lists the fixture folders.
const workerToolsIndex = path("./test/.tmp/worker-tools.generated.ts");
await generateToolsIndex(
  [
    { dir: path("./tools"), label: "tools" },
    { dir: path("./test/fixtures/tools"), label: "test/fixtures/tools" },
    { dir: path("./test/worker/fixtures/tools"), label: "test/worker/fixtures/tools" },
  ],
  workerToolsIndex,
);
await generateToolsIndex();

/** Hyperdrive's local connection string needs a password even where the server trusts the user. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = "local";
  return u.toString();
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              hyperdrives: { HYPERDRIVE: withPassword(inject("databaseUrl")) },
              bindings: {
                VAPI_SECRET: "worker-test-secret-0123456789",
                VAPI_HMAC_SECRET: "worker-test-hmac-secret",
                VAPI_CREDENTIAL_ID: "worker-test-credential",
                PAYMENT_LINK_SECRET: "worker-test-payment-link-secret",
                LOG_LEVEL: "silent",
                TRANSFER_NUMBER: "+15557654321",
                // The suite writes many notes as one caller; the per-caller limit has its own Node tests.
                SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
                // These tests assert what tools answer, on machines shared with other test runs; the
                // budget itself is tested with tools that set their own (test/fixtures/tools/slow.ts).
                TOOL_BUDGET_MS: "5000",
                // Budgets as the tools define them from the first request: the cold-isolate
                // allowance has a test of its own (cold-isolate.test.ts).
                TOOL_COLD_BUDGET_MS: "1",
                PUBLIC_URL: "https://switchboard.example.com",
                REDIS_KEY_PREFIX: `${inject("redisPrefix")}worker:`,
                // Always set, so a developer's .dev.vars (which wrangler also loads) cannot change it.
                REDIS_URL: inject("redisUrl") ?? "",
              },
            },
          })),
        ],
        resolve: {
          alias: [{ find: /^\.\/generated\/tools\.ts$/, replacement: workerToolsIndex }],
        },
        test: {
          name: "worker",
          include: services ? ["test/worker/**/*.test.ts"] : [],
          exclude: ["test/worker/dev-server/**"],
          // Inlined as-is, ioredis's require("debug") resolves to the browser build inside the pool
          // and recurses forever; pre-bundled, it loads as wrangler's bundle does. Stripe is
          // pre-bundled too: inlined, each of its hundreds of modules warned that its source map
          // points to missing files. Node built-ins stay imports, which nodejs_compat serves.
          deps: {
            optimizer: {
              ssr: { enabled: true, include: ["ioredis", "stripe"], rolldownOptions: { external: [/^node:/, ...builtinModules] } },
            },
          },
          globalSetup: services ? ["test/support/worker-global-setup.ts"] : [],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "dev-worker",
          include: services ? ["test/worker/dev-server/**/*.test.ts"] : [],
          // Its own fresh database and Redis prefix, through the same loader as the other project's
          // (two loaders in one process would load ioredis twice).
          globalSetup: services ? ["test/support/worker-global-setup.ts"] : [],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
