/**
 * The tests that run inside workerd (`npm run test:worker`, part of `npm test`), through the
 * Worker's own entry as wrangler.toml declares it, against the run's fresh database (through
 * Hyperdrive's local connection string) and Redis. A config of its own: the Workers plugin
 * changes how every module of its project resolves.
 */
import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { generateToolsIndex } from "./scripts/build/generate-tools-index.ts";

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// They need the real services: workerd reaches Postgres through Hyperdrive's local proxy, one
// connection per request, which the single-session embedded database cannot serve. CI sets both.
const services = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
if (!services) process.stderr.write("Note: the worker (workerd) tests need DATABASE_URL and REDIS_URL; none run without them.\n");

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
    passWithNoTests: !services,
    // Inlined as-is, ioredis's require("debug") resolves to the browser build inside the pool
    // and recurses forever; pre-bundled, it loads as wrangler's bundle does. Node built-ins
    // stay imports, which nodejs_compat serves inside workerd.
    deps: {
      optimizer: { ssr: { enabled: true, include: ["ioredis"], rolldownOptions: { external: [/^node:/, ...builtinModules] } } },
    },
    globalSetup: services ? ["test/support/worker-global-setup.ts"] : [],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
