/**
 * `npm run test:worker` (the second half of `npm test`): the Worker's tests from
 * vitest.workers.config.ts, inside workerd and against `npm run dev:worker`. They need a real
 * Postgres and Redis; without DATABASE_URL and REDIS_URL one line says what was skipped instead of
 * vitest's "No test files found". Arguments go to vitest (`npm run test:worker -- test/worker/x.test.ts`).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

const database = Boolean(process.env.DATABASE_URL);
const redis = Boolean(process.env.REDIS_URL);
if (!database || !redis) {
  const ran = `${database ? "DATABASE_URL" : "the embedded Postgres"} and ${redis ? "REDIS_URL" : "the in-process cache"}`;
  process.stdout.write(
    `Worker tests skipped (inside workerd and against npm run dev:worker): they need DATABASE_URL and REDIS_URL; the unit and integration tests run on ${ran}.\n`,
  );
  process.exit(0);
}

/**
 * What workerd prints whenever the pool closes a test file's connection: expected, and not an
 * error (the pool itself hides the sibling "WebSocket was aborted"). Every other line passes through.
 */
const ROUTINE_DISCONNECT = /^exception = workerd\/api\/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected$/;

const child = spawn("npx", ["vitest", "run", "-c", "vitest.workers.config.ts", ...process.argv.slice(2)], {
  stdio: ["inherit", "pipe", "pipe"],
  // Piped output is no terminal: keep vitest's colours when ours is one.
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", ...(process.stdout.isTTY ? { FORCE_COLOR: "1" } : {}) },
});
const copied = [
  [child.stdout!, process.stdout],
  [child.stderr!, process.stderr],
].map(([from, to]) => {
  const lines = createInterface({ input: from as NodeJS.ReadableStream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on("line", (line) => {
    if (!ROUTINE_DISCONNECT.test(line)) (to as NodeJS.WritableStream).write(`${line}\n`);
  });
  return once(lines, "close");
});
const [[code, signal]] = await Promise.all([once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>, ...copied]);
process.exitCode = code ?? (signal ? 1 : 0);
