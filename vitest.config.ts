import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { generateToolsIndex } from "./scripts/generate-tools-index.ts";

// With DATABASE_URL set, integration files run in parallel against a fresh database per run.
// Without it they share one embedded PGlite, which serves a single connection: files run one by one.
const embedded = !process.env.DATABASE_URL;

// The worker tests need the real services: workerd reaches Postgres through Hyperdrive's local
// proxy, one connection per request, which the single-session embedded database cannot serve.
// CI sets both; without them `npm test` runs the rest and says so.
const workerServices = Boolean(process.env.DATABASE_URL && process.env.REDIS_URL);
const onlyOtherProjects = process.argv.includes("--project") && !process.argv.includes("worker");
if (!workerServices && !onlyOtherProjects) {
  process.stderr.write("Note: the worker (workerd) tests need DATABASE_URL and REDIS_URL; they are not part of this run.\n");
}

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The worker tests serve the real tools plus the test fixtures, through the real entry
// (src/worker.ts): its generated index is swapped for one that also lists the fixtures.
const workerToolsIndex = path("./test/.tmp/worker-tools.generated.ts");
await generateToolsIndex(
  [
    { dir: path("./tools"), label: "tools" },
    { dir: path("./test/fixtures/tools"), label: "test/fixtures/tools" },
    { dir: path("./test/worker/fixtures/tools"), label: "test/worker/fixtures/tools" },
  ],
  workerToolsIndex,
);

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
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: !embedded,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      ...(workerServices ? [workerProject()] : []),
    ],
  },
});

/** The tests that run inside workerd, through the Worker's own entry. */
function workerProject() {
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const redisUrl = inject("redisUrl");
        return {
          wrangler: { configPath: "./wrangler.toml" },
          miniflare: {
            hyperdrives: { HYPERDRIVE: withPassword(inject("databaseUrl")) },
            bindings: {
              VAPI_SECRET: "worker-test-secret-0123456789",
              VAPI_HMAC_SECRET: "worker-test-hmac-secret",
              LOG_LEVEL: "silent",
              TRANSFER_NUMBER: "+15557654321",
              PUBLIC_URL: "https://switchboard.example.com",
              REDIS_KEY_PREFIX: `${inject("redisPrefix")}worker:`,
              // Always set, so a developer's .dev.vars (which wrangler also loads) cannot change it.
              REDIS_URL: redisUrl ?? "",
            },
          },
        };
      }),
    ],
    resolve: {
      alias: [{ find: /^\.\/generated\/tools\.ts$/, replacement: workerToolsIndex }],
    },
    test: {
      name: "worker",
      include: ["test/worker/**/*.test.ts"],
      // Inlined as-is, ioredis's require("debug") resolves to the browser build inside the
      // pool and recurses forever; pre-bundled, it loads as wrangler's bundle does.
      // Node built-ins stay imports, which nodejs_compat serves inside workerd.
      deps: {
        optimizer: { ssr: { enabled: true, include: ["ioredis"], rolldownOptions: { external: [/^node:/, ...builtinModules] } } },
      },
      globalSetup: ["test/support/worker-global-setup.ts"],
      testTimeout: 30_000,
      hookTimeout: 60_000,
    },
  };
}
