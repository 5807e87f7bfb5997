/**
 * Serving on Node: parses the environment, builds the runtime, serves the app, prints how to
 * connect Vapi. Used by both Node entries: `src/server.ts` (from source, tools discovered from
 * `tools/` at start) and `src/server-bundled.ts` (built by `npm run build`, tools from the
 * build-time index, no TypeScript loader at run time).
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { createApp } from "../app.ts";
import { transferAvailability } from "../assistant/handoff.ts";
import { type Config, ConfigError, parseConfig } from "../config.ts";
import { EmbeddedDatabaseError } from "../db/embedded.ts";
import type { AppDeps } from "../deps.ts";
import { assistantSetup } from "../server-messages/assistant-request.ts";
import { registerOtlpTracing } from "../telemetry/otlp.ts";
import { type LoadedTool, ToolDefinitionError } from "../tools/registry.ts";
import { describeServerAuth, serverAuthFor } from "../vapi/server-target.ts";
import { createNodeRuntime, type NodeRuntime, StartupError, type StartupStep } from "./node-runtime.ts";
import { warmUp } from "./warm-up.ts";

export interface StartOptions {
  /** The tools to serve (the bundled index); when absent they are discovered from the `tools/` folder. */
  tools?: readonly LoadedTool[];
  /** The production entry (`npm run start:prod`): the embedded database is refused unless allowed. */
  production?: boolean;
}

/** Starts the server, printing each start-up step as it happens, then how to connect Vapi. */
export async function startServer(options: StartOptions = {}) {
  try {
    await main(options);
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof ToolDefinitionError ||
      err instanceof StartupError ||
      err instanceof EmbeddedDatabaseError
    ) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Switchboard failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
    process.exit(1);
  }
}

/** Prints "  - label ..." when a step starts and "    done: summary (1.2 s)" when it ends. */
function printedStep(write: (line: string) => void): StartupStep {
  return async (label, run, summary) => {
    write(`  - ${label} ...`);
    const started = performance.now();
    const value = await run();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    write(`    done${summary ? `: ${summary(value)}` : ""} (${seconds} s)`);
    return value;
  };
}

/** Fails fast, before the database starts, when another process already listens on the port. */
async function ensurePortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(portBusy(port));
      else if (err.code === "EACCES")
        reject(new StartupError(`Port ${port} needs privileges this user does not have. Pick another with PORT=<port>.`));
      else reject(err);
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

const portBusy = (port: number) =>
  new StartupError(
    `Port ${port} is already in use (another Switchboard, or another program). Stop it, or pick another port: PORT=${port + 1} npm start`,
  );

async function main(options: StartOptions) {
  const config = parseConfig(process.env);
  if (options.production && !config.DATABASE_URL && !config.ALLOW_EMBEDDED_DATABASE) {
    throw new StartupError(
      "npm run start:prod needs DATABASE_URL: the embedded database serves one connection at a time and is meant for development. " +
        "Set DATABASE_URL (and REDIS_URL), or ALLOW_EMBEDDED_DATABASE=true to run the production build on it anyway.",
    );
  }
  const write = (line: string) => process.stdout.write(`${line}\n`);
  write("Starting Switchboard");
  await ensurePortFree(config.PORT, config.HOST);
  // Before anything else, so every span of the process goes to the exporter.
  const stopTracing = config.OTEL_EXPORTER_OTLP_ENDPOINT ? await registerOtlpTracing(config.OTEL_SERVICE_NAME) : undefined;
  const step = printedStep(write);
  const runtime = await createNodeRuntime(config, { ...(options.tools ? { tools: options.tools } : {}), step });
  const { deps } = runtime;
  const warm = config.WARM_UP
    ? await step("warming up connections and tool queries", () =>
        warmUp(deps, deps.databaseKind === "embedded" ? 1 : config.DATABASE_POOL_MAX),
      )
    : undefined;
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
    const local = `http://localhost:${info.port}`;
    const publicBase = config.PUBLIC_URL ?? "https://<your-public-host>";
    const lines = [
      `Switchboard listening on ${local}`,
      `  database: ${deps.databaseKind === "embedded" ? `embedded Postgres (${config.DATA_DIR}/pg)` : "Postgres (DATABASE_URL)"}`,
      `  cache:    ${deps.cache.kind === "redis" ? "Redis (REDIS_URL)" : "in-process (set REDIS_URL for Redis)"}`,
      `  warm-up:  ${warm ? `${warm.ms} ms${warm.failures > 0 ? ` (${warm.failures} steps failed, see logs)` : ""}` : "off"}`,
      `  tracing:  ${stopTracing ? `OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : "off (set OTEL_EXPORTER_OTLP_ENDPOINT)"}`,
      `  tools:    ${deps.registry
        .list()
        .map((t) => t.name)
        .join(", ")}`,
      `  transfers: ${transfersLine(deps, config)}`,
      "",
      "Connect Vapi (dashboard > Assistant or Phone Number > Server URL):",
      `  Server URL:    ${publicBase}/vapi/webhook`,
      // A secret is printed only when Switchboard generated it, and only here: a configured one is the operator's to keep.
      runtime.generatedSecret
        ? `  Secret:        ${deps.auth.secret}   (generated, kept in ${join(config.DATA_DIR, "vapi-secret")}; set VAPI_SECRET to choose your own)`
        : "  Secret:        the value of VAPI_SECRET (not printed)",
      `  Vapi auth:     ${describeServerAuth(serverAuthFor(deps.config, deps.auth.secret))}`,
      "",
      `For a real call, expose port ${info.port} publicly, e.g. \`cloudflared tunnel --url ${local}\``,
      `or \`ngrok http ${info.port}\`, and set PUBLIC_URL to the https address it prints.`,
      ...demoLines(
        runtime.demo,
        local,
        runtime.generatedSecret ? `$(cat ${shellQuote(join(config.DATA_DIR, "vapi-secret"))})` : "$VAPI_SECRET",
      ),
      "",
      config.API_TOKEN
        ? `REST API: ${local}/api (Bearer API_TOKEN), OpenAPI at ${local}/api/openapi.json`
        : "REST API: disabled (set API_TOKEN to enable /api)",
      ...paymentSecretLines(runtime.paymentLinkSecret),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  });
  server.once("error", (err: NodeJS.ErrnoException) => {
    process.stderr.write(`${err.code === "EADDRINUSE" ? portBusy(config.PORT).message : `Switchboard failed to serve: ${err.message}`}\n`);
    void runtime.close().finally(() => process.exit(1));
  });

  let stopping = false;
  /** How long a stop waits for requests in flight: past Vapi's own tool timeout, it answers nobody. */
  const SHUTDOWN_DRAIN_MS = 20_000;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.logger.info("shutting down", { signal });
    // No new connections; requests in flight are answered first (a deploy must not drop a tool
    // call Vapi is waiting on), for at most SHUTDOWN_DRAIN_MS, then the rest is cut.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_DRAIN_MS);
    });
    await Promise.race([drained, late]);
    clearTimeout(timer);
    await runtime.close();
    await stopTracing?.();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** Where "let me talk to a person" goes, or that it goes nowhere: destinations with the departments they serve. */
export function transfersLine(deps: Pick<AppDeps, "assistant">, config: Pick<Config, "TRANSFER_NUMBER">): string {
  const t = transferAvailability({ handoff: assistantSetup(deps as AppDeps).config.handoff, fallbackDestination: config.TRANSFER_NUMBER });
  if (!t.configured) return "not configured (set TRANSFER_NUMBER): callers asking for a person hear that no transfer is possible";
  const served = new Map<string, string[]>();
  for (const { department, destination } of [...t.departments, { department: "others", destination: config.TRANSFER_NUMBER }]) {
    const key = destination ?? "nobody";
    served.set(key, [...(served.get(key) ?? []), department]);
  }
  return [...served].map(([destination, departments]) => `${destination} (${departments.join(", ")})`).join("; ");
}

/** The payment link secret when it was generated: your payment page signs its confirmations with it. */
function paymentSecretLines(kept: NodeRuntime["paymentLinkSecret"]): string[] {
  if (!kept?.generated) return [];
  return [
    `Payment links: your payment page signs confirmations with ${kept.secret}`,
    `  (generated, kept in ${kept.file}; set PAYMENT_LINK_SECRET to choose your own, never the Vapi secret)`,
  ];
}

/** `text` as one single-quoted shell word. */
function shellQuote(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The demo data set's numbers to try, and a request that exercises a tool without a phone.
 * `secretInShell` is what the shell expands to the secret (a variable or a file read), so the
 * line never repeats the secret itself.
 */
function demoLines(demo: NodeRuntime["demo"], local: string, secretInShell: string): string[] {
  if (!demo) return [];
  const body = JSON.stringify({
    message: {
      type: "tool-calls",
      call: { id: "demo-call", customer: { number: demo.callerNumber } },
      toolCallList: [{ id: "demo-1", type: "function", function: { name: "get_shipment_status", arguments: {} } }],
    },
  });
  return [
    "",
    "Demo data (embedded database):",
    `  Call from ${demo.callerNumber} (${demo.callerName}): shipments, appointments, balance, invoice ${demo.invoiceId}.`,
    `  Or from ${demo.otherCallerNumber} (${demo.otherCallerName}): a delayed shipment and an overdue invoice; any other number is a new caller.`,
    `  Tracking numbers: ${demo.trackingNumber} (in transit), ${demo.delayedTrackingNumber} (delayed).`,
    "  Try a tool call without a phone:",
    `  curl -s ${local}/vapi/webhook -H 'content-type: application/json' -H "x-vapi-secret: ${secretInShell}" -d '${body}'`,
  ];
}
