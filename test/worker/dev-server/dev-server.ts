/**
 * Starts `npm run dev:worker` the way a user does: a `.dev.vars` file with the secrets, Hyperdrive's
 * local connection string pointing at a real Postgres (CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE),
 * wrangler's own build step. The `.dev.vars` lives in a temporary directory (passed with
 * `--env-file`), so a developer's own file in the checkout is neither read nor overwritten, and so
 * is wrangler's local state; the ports are free ones, never 8787.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface DevServer {
  url: string;
  /** Everything wrangler and the Worker printed so far. */
  output(): string;
  /** Whether the dev server process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Hyperdrive's local connection string needs a password even where the server trusts the user. */
function withPassword(url: string): string {
  const u = new URL(url);
  if (!u.password) u.password = "local";
  return u.toString();
}

export async function startDevServer(options: { databaseUrl: string; vars: Record<string, string> }): Promise<DevServer> {
  const dir = await mkdtemp(join(tmpdir(), "switchboard-dev-worker-"));
  const devVars = join(dir, ".dev.vars");
  await writeFile(
    devVars,
    `${Object.entries(options.vars)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n")}\n`,
  );
  const [port, inspectorPort] = [await freePort(), await freePort()];
  let log = "";
  const child: ChildProcess = spawn(
    "npm",
    [
      "run",
      "-s",
      "dev:worker",
      "--",
      ...["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)],
      ...["--env-file", devVars, "--persist-to", join(dir, "state"), "--show-interactive-dev-session=false"],
    ],
    {
      cwd: repoRoot,
      // Its own process group: npm, wrangler, its Node child and workerd are stopped together.
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_HYPERDRIVE: withPassword(options.databaseUrl),
        WRANGLER_SEND_METRICS: "false",
        NO_COLOR: "1",
        FORCE_COLOR: "0",
      },
    },
  );
  const exited = once(child, "exit");
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/Ready on http/.test(log)) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(([code, signal]) =>
      reject(new Error(`wrangler dev exited (${code ?? signal}) before it was ready:\n${log.slice(-4000)}`)),
    );
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-child.pid!, "SIGTERM");
      const killer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => log,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
  };
}

/** Runs `npm run <script>` in the checkout with extra environment variables; rejects with its output on failure. */
export async function npmRun(script: string, env: Record<string, string>): Promise<string> {
  const child = spawn("npm", ["run", "-s", script], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`npm run ${script} failed (${code}):\n${out}`);
  return out;
}

/** Lines of the dev server's output that show a request's work being cut or the local Hyperdrive proxy failing. */
export function cutWorkLines(output: string): string[] {
  return output
    .split("\n")
    .filter((line) => /EPIPE|ECONNRESET|Connection is closed|Stream isn't writeable|Uncaught|exceeded its CPU/.test(line));
}
