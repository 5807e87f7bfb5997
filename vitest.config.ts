import { defineConfig } from "vitest/config";

// With DATABASE_URL set, integration files run in parallel against a fresh database per run.
// Without it they share one embedded PGlite, which serves a single connection: files run one by one.
const embedded = !process.env.DATABASE_URL;

// The tests inside workerd have their own config (vitest.workers.config.ts): the Workers plugin
// changes how every module of its project resolves. `npm test` runs both.
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
          setupFiles: ["test/support/fast-check-seed.ts"],
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/support/global-setup.ts"],
          fileParallelism: !embedded,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
