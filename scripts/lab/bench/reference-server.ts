/**
 * The framework's own floor, measured in the same benchmark run: a bare Hono app on
 * @hono/node-server with nothing of Switchboard in it. `GET /` answers at once; `POST /` reads
 * and parses its JSON body first, as any webhook must. Run as a child process by the benchmark
 * (`startReferenceServer`), so the rows beside Switchboard's show what any handler of a request
 * with a body costs on this machine.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { Hono } from "hono";

if (process.argv[2] === "--serve") {
  const app = new Hono();
  app.get("/", (c) => c.json({ status: "ok" }));
  app.post("/", async (c) => {
    JSON.parse(new TextDecoder().decode(await c.req.arrayBuffer()));
    return c.json({});
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => process.send?.(info.port));
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

export interface ReferenceServer {
  child: ChildProcess;
  base: string;
  output: string[];
  stop(): Promise<void>;
}

export async function startReferenceServer(): Promise<ReferenceServer> {
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  const output: string[] = [];
  child.stderr?.on("data", (d: Buffer) => output.push(d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m) => resolve(Number(m)));
    child.once("exit", (code) => reject(new Error(`reference server exited with ${code}: ${output.join("")}`)));
  });
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
