/** Starts `src/server.ts` as a child process and resolves once it prints its URL. Used by the benchmark and tests. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../..", import.meta.url));

export interface ServerProcess {
  child: ChildProcess;
  /** e.g. http://localhost:41234 */
  base: string;
  /** Everything the process printed so far. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * `entry`: "source" runs `src/server.ts` through the TypeScript loader (as `npm start` does);
 * "bundle" runs `dist/server.mjs` (as `npm run start:prod` does; `npm run build` first), or
 * `{ bundle }` another bundle the same way (see `buildProductionBundle`).
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 60_000,
  entry: "source" | "bundle" | { bundle: string } = "source",
  /** Extra Node flags, e.g. `--cpu-prof` (written when the process exits on SIGTERM). */
  nodeFlags: readonly string[] = [],
): Promise<ServerProcess> {
  const args = [
    ...nodeFlags,
    ...(entry === "source" ? ["--import", "tsx", "src/server.ts"] : productionArgs(entry === "bundle" ? undefined : entry.bundle)),
  ];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  };
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output.join("\n")}`)), timeoutMs);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      output.push(line);
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        // The server listens on an address, not a name: skip resolving "localhost" (IPv6 first).
        resolve(match[1]!.replace("//localhost:", "//127.0.0.1:"));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join("\n")}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return { child, base, output, stop };
}

/**
 * Builds dist/server.mjs (`npm run build`), so a measured process is the production one; or
 * `outfile` (tests that run in parallel build their own).
 */
export function buildProductionBundle(outfile?: string): void {
  const args = ["--import", "tsx", "scripts/build/build.ts", ...(outfile ? ["--outfile", outfile] : [])];
  execFileSync(process.execPath, args, { cwd: root, stdio: "ignore" });
}

/** The arguments of `npm run start:prod` (Node flags included), so the benchmark runs exactly that; `bundle` replaces dist/server.mjs. */
function productionArgs(bundle?: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts["start:prod"]!.split(/\s+/);
  if (command !== "node") throw new Error(`start:prod must run node, not ${command}`);
  return bundle ? args.map((a) => (a === "dist/server.mjs" ? bundle : a)) : args;
}

/** Resident memory of a process in MiB (Linux), or NaN where /proc is not available. */
export async function residentMiB(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
}

/** CPU time a process has used so far (user + system), in microseconds (Linux), or NaN. */
export async function cpuMicros(pid: number): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100/s on Linux).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return stat ? ticks * 10_000 : Number.NaN;
}
