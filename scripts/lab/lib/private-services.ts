/**
 * Private Redis and Postgres servers that a fault test can stop, kill, pause and restart without
 * disturbing the shared services other tests use. Both are the real servers, on free loopback ports.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once("exit", () => r()));
}

export interface ControlledService {
  url: string;
  /** Starts (again) on the same port and data. */
  start(): Promise<void>;
  /** Graceful stop. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the process holds its connections but answers nothing. */
  pause(): void;
  resume(): void;
  /** Stops and removes everything. */
  destroy(): Promise<void>;
}

/** A private redis-server. */
export async function startRedis(): Promise<ControlledService> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const ping = async () => {
    const { Redis } = await import("ioredis");
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG";
    } finally {
      probe.disconnect();
    }
  };
  const service: ControlledService = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
        stdio: "ignore",
      });
      await until(ping, "redis-server");
    },
    async stop() {
      if (!child) return;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      await exited(child);
    },
    async kill() {
      if (!child) return;
      child.kill("SIGKILL");
      await exited(child);
    },
    pause: () => void child?.kill("SIGSTOP"),
    resume: () => void child?.kill("SIGCONT"),
    async destroy() {
      await service.kill();
    },
  };
  await service.start();
  return service;
}

function postgresBin(name: string): string {
  try {
    execFileSync(name, ["--version"], { stdio: "ignore" });
    return name;
  } catch {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    return join(dir, name);
  }
}

function signalPid(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {}
}

/** Direct children of a process (Linux /proc); none where /proc is not available. */
function childrenOf(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const found: number[] = [];
  for (const entry of readdirSync("/proc", { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^\d+$/.test(entry.name)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${entry.name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) found.push(Number(entry.name));
    } catch {}
  }
  return found;
}

/**
 * A private PostgreSQL cluster (initdb in a temp directory). PostgreSQL refuses to run as root,
 * so when the tests run as root the server runs as the `postgres` system user.
 */
export async function startPostgres(): Promise<ControlledService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "switchboard-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const run = (bin: string, args: string[]) =>
    asRoot
      ? spawn("runuser", ["-u", "postgres", "--", postgresBin(bin), ...args], { stdio: "ignore" })
      : spawn(postgresBin(bin), args, { stdio: "ignore" });
  await new Promise<void>((resolve, reject) => {
    const init = run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
    init.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`initdb exited with ${code}`))));
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = async () => {
    const sql = postgres(url, { max: 1, connect_timeout: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } finally {
      await sql.end({ timeout: 1 });
    }
  };
  let wrapper: ChildProcess | undefined;
  // Signals go to the postmaster itself (its pid file), not to the runuser wrapper.
  let pid: number | undefined;
  const signal = (sig: NodeJS.Signals) => {
    if (pid !== undefined) {
      try {
        process.kill(pid, sig);
      } catch {}
    }
  };
  const gone = async (timeoutMs?: number) => {
    const target = pid;
    if (target === undefined) return;
    await until(
      async () => {
        try {
          process.kill(target, 0);
          return false;
        } catch {
          return true;
        }
      },
      "postgres shutdown",
      timeoutMs,
    );
    pid = undefined;
  };
  const service: ControlledService = {
    url,
    async start() {
      wrapper = run("postgres", ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]);
      await until(ready, "postgres");
      pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    },
    async stop() {
      service.resume();
      signal("SIGINT"); // fast shutdown: rolls back open transactions
      // Under load a fast shutdown has been seen to hang; an immediate shutdown then ends it.
      await gone(10_000).catch(async () => {
        signal("SIGQUIT");
        await gone();
      });
    },
    async kill() {
      service.resume();
      signal("SIGKILL"); // a crash: recovery runs on the next start
      await gone();
      // Orphaned backends keep the port until they notice; wait for them too.
      await until(async () => !(await ready().catch(() => false)), "postgres backends gone");
    },
    // The postmaster only forks; each connection has its own backend process. A hung server is
    // all of them stopped (postmaster first, so it forks nothing new in between).
    pause() {
      signal("SIGSTOP");
      for (const child of childrenOf(pid)) signalPid(child, "SIGSTOP");
    },
    resume() {
      for (const child of childrenOf(pid)) signalPid(child, "SIGCONT");
      signal("SIGCONT");
      // runuser stops itself when its child stops (job control) and then never reaps the child.
      if (wrapper?.pid !== undefined) signalPid(wrapper.pid, "SIGCONT");
    },
    async destroy() {
      // A shutdown after a pause/resume has been seen to take half a minute; a throwaway cluster needs none.
      await service.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await service.start();
  return service;
}
