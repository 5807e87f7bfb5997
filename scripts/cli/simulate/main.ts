/**
 * `npm run simulate -- <scenario> [--url <webhook url>] [--secret <secret>]`: plays a scripted
 * call from `scenarios/` (or any JSON file) against a running Switchboard, local or deployed,
 * authenticated like Vapi, and prints each step's latency and what the caller would hear.
 * Exits 1 when an expectation in the scenario fails. `--list` shows the scenarios.
 */
import { readdir, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, parseConfig } from "../../../src/config.ts";
import { resolveSecret } from "../../../src/runtime/node-runtime.ts";
import { runScenario, type SimulatorAuth } from "./run.ts";
import { parseScenario } from "./scenario.ts";

const scenariosDir = new URL("../../../scenarios/", import.meta.url);

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { url: { type: "string" }, secret: { type: "string" }, list: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  const names = (await readdir(scenariosDir)).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, ""));
  if (values.list || values.help || positionals.length === 0) {
    process.stdout.write(
      `Usage: npm run simulate -- <scenario|file.json> [--url http://localhost:3000/vapi/webhook] [--secret <secret>]\nScenarios: ${names.join(", ")}\n`,
    );
    return values.list || values.help ? 0 : 2;
  }
  const arg = positionals[0]!;
  // A scenario's name, or a file path (absolute, or relative to where the command runs).
  const file = names.includes(arg) ? new URL(`${arg}.json`, scenariosDir) : resolve(arg);
  const text = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
    throw new Error(
      err.code === "ENOENT"
        ? `no scenario "${arg}": not one of ${names.join(", ")}, and no such file`
        : `cannot read ${arg}: ${err.message}`,
    );
  });
  const scenario = parseScenario(JSON.parse(text), arg);

  const config = parseConfig(process.env);
  const url = values.url ?? `${(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, "")}/vapi/webhook`;
  const auth: SimulatorAuth = config.VAPI_HMAC_SECRET
    ? {
        hmac: {
          secret: config.VAPI_HMAC_SECRET,
          algorithm: config.VAPI_HMAC_ALGORITHM,
          encoding: config.VAPI_HMAC_ENCODING,
          prefix: config.VAPI_HMAC_PREFIX,
          signatureHeader: config.VAPI_HMAC_SIGNATURE_HEADER,
          timestampHeader: config.VAPI_HMAC_TIMESTAMP_HEADER,
          includeTimestamp: config.VAPI_HMAC_INCLUDE_TIMESTAMP,
        },
      }
    : { secret: values.secret ?? (await resolveSecret(config)).secret };
  if (!(await reachable(url))) {
    process.stderr.write(`No Switchboard at ${url}: start one with npm start (or pass --url <webhook url> of a deployed one).\n`);
    return 1;
  }
  const report = await runScenario(scenario, { url, auth, print: (line) => process.stdout.write(`${line}\n`) });
  return report.ok ? 0 : 1;
}

/** Whether anything answers HTTP at the webhook's origin (its /healthz), before the scenario starts. */
async function reachable(webhook: string): Promise<boolean> {
  try {
    await fetch(new URL("/healthz", webhook), { signal: AbortSignal.timeout(5_000) });
    return true;
  } catch {
    return false;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `Simulation failed: ${(err as Error).message}`}\n`);
    process.exit(1);
  },
);
