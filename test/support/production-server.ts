/**
 * The production build (`npm run start:prod`: the bundle under its heap cap) as a child process for
 * attack tests, with its resident memory watched; and uploads that stall mid-body.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { buildProductionBundle, type ServerProcess, startServerProcess } from "../../scripts/lab/lib/server-process.ts";

import { TEST_SECRET } from "./harness.ts";
import { type PrivateStack, startPrivateStack } from "./private-stack.ts";

export { type StalledUpload, stalledUpload } from "../../scripts/lab/lib/attacks.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Builds this file's own production bundle (test files run in parallel) inside the project, where
 * its dependencies resolve; removed by the returned function.
 */
export function buildTestBundle(name: string): { bundle: string; dir: string; remove(): void } {
  const dir = join(root, "dist", "test", `${name}-${process.pid}-${randomBytes(3).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, "server.mjs");
  buildProductionBundle(bundle);
  return { bundle, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface WatchedServer extends ServerProcess {
  /** The highest resident memory seen so far (MiB), sampled every 20 ms. */
  peakRssMiB(): number;
  /** How the process ended, if it did (a crash shows as a signal or a non-zero code). */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** Starts the bundle as `npm run start:prod` runs it, and watches its memory until it exits. */
export async function startWatchedServer(bundle: string, env: Record<string, string>): Promise<WatchedServer> {
  const server = await startServerProcess({ HOST: "127.0.0.1", PORT: "0", DEMO_DATA: "off", WARM_UP: "false", ...env }, 60_000, {
    bundle,
  });
  let peak = 0;
  let ended: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const sample = () => {
    try {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${server.child.pid}/status`, "utf8"))?.[1];
      if (kb) peak = Math.max(peak, Number(kb) / 1024);
    } catch {}
  };
  sample();
  const timer = setInterval(sample, 20);
  server.child.once("exit", (code, signal) => {
    ended = { code, signal };
    clearInterval(timer);
  });
  return { ...server, peakRssMiB: () => peak, exited: () => ended };
}

export interface ProductionOnPrivateStack {
  /** The private Postgres and Redis (stop and start them to make faults). */
  readonly stack: PrivateStack;
  /** Starts the bundle on the private stack, authenticated by TEST_SECRET, its data in `dataDir` under the bundle's folder. */
  start(env?: Record<string, string>, dataDir?: string): Promise<WatchedServer>;
}

/**
 * For one test file: its own production bundle on a private Postgres and Redis that the file may
 * stop and start, built before its tests and removed after them.
 */
export function productionOnPrivateStack(name: string): ProductionOnPrivateStack {
  let stack: PrivateStack | undefined;
  let built: ReturnType<typeof buildTestBundle> | undefined;
  beforeAll(async () => {
    built = buildTestBundle(name);
    stack = await startPrivateStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.destroy();
    built?.remove();
  }, 60_000);
  return {
    get stack() {
      if (!stack) throw new Error("the private stack starts in beforeAll");
      return stack;
    },
    start(env = {}, dataDir = "data") {
      if (!stack || !built) throw new Error("the private stack starts in beforeAll");
      return startWatchedServer(built.bundle, {
        DATABASE_URL: stack.postgres.url,
        REDIS_URL: stack.redis.url,
        VAPI_SECRET: TEST_SECRET,
        LOG_LEVEL: "error",
        DATA_DIR: join(built.dir, dataDir),
        ...env,
      });
    },
  };
}
