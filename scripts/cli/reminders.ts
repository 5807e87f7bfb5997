/**
 * `npm run reminders -- [--date tomorrow|today|YYYY-MM-DD] [--print]`: lists the day's booked
 * appointments (tomorrow by default, in BUSINESS_TIMEZONE; customers on the do-not-call list left
 * out) and creates the reminder calls in Vapi: one campaign on the stored assistant when
 * VAPI_ASSISTANT_ID is set (Vapi then asks this server before each dial), else one outbound call
 * each with a transient assistant. `--print` shows the requests without calling Vapi (secrets
 * masked). Needs DATABASE_URL, VAPI_PHONE_NUMBER_ID, PUBLIC_URL, and VAPI_API_KEY unless printing.
 */
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import assistantConfig from "../../assistant.config.ts";
import { runReminders } from "../../src/assistant/reminders.ts";
import { parseConfig } from "../../src/config.ts";
import { createDatabase, type Database } from "../../src/db/client.ts";
import { createVapiOutbound } from "../../src/integrations/vapi-api/outbound.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { resolveSecret } from "../../src/runtime/node-runtime.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";
import { serverAuthFor } from "../../src/vapi/server-target.ts";

const USAGE = "Usage: npm run reminders -- [--date tomorrow|today|YYYY-MM-DD] [--print]";

/** Where the command writes, and (for tests) the database it reads instead of DATABASE_URL's. */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
  db?: Database;
}

const processIo: CommandIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command; resolves with its exit code. */
export async function main(argv: string[], env: Record<string, string | undefined>, io: CommandIo = processIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { date: { type: "string" }, print: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const config = parseConfig(env);
  const missing = [
    ["DATABASE_URL", io.db ? "given" : config.DATABASE_URL],
    ["VAPI_PHONE_NUMBER_ID", config.VAPI_PHONE_NUMBER_ID],
    ["PUBLIC_URL", config.PUBLIC_URL],
    ...(values.print ? [] : [["VAPI_API_KEY", config.VAPI_API_KEY]]),
  ]
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    io.err(`Set ${missing.join(", ")} first.\n${USAGE}\n`);
    return 2;
  }
  const { secret } = await resolveSecret(config);
  const database = io.db ? undefined : createDatabase(config.DATABASE_URL!, { max: 1 });
  try {
    const run = await runReminders({
      db: io.db ?? database!.db,
      settings: {
        config: assistantConfig,
        preset: "scheduling",
        tools: createRegistry(await discoverTools()).list(),
        target: { url: `${config.PUBLIC_URL!.replace(/\/+$/, "")}/vapi/webhook`, auth: serverAuthFor(config, secret) },
        businessName: config.BUSINESS_NAME,
        timeZone: config.BUSINESS_TIMEZONE,
        defaultBudgetMs: config.TOOL_BUDGET_MS,
      },
      date: values.date,
      phoneNumberId: config.VAPI_PHONE_NUMBER_ID!,
      assistantId: config.VAPI_ASSISTANT_ID,
      now: systemClock.now(),
      send: values.print ? undefined : createVapiOutbound({ baseUrl: config.VAPI_API_URL, apiKey: config.VAPI_API_KEY! }),
    });
    io.out(`${run.appointments} appointment(s) on ${run.date}.\n`);
    for (const warning of run.warnings) io.err(`Warning: ${warning}\n`);
    if (values.print) {
      for (const request of run.requests) io.out(`${request.method} ${request.path}\n${JSON.stringify(request.body, masked(secret), 2)}\n`);
    } else for (const made of run.created) io.out(`created ${made.path.slice(1)} ${made.id}\n`);
    return 0;
  } finally {
    await database?.close();
  }
}

/** Hides the webhook secret wherever it appears (VAPI_SERVER_AUTH=header puts it in `server.headers`). */
function masked(secret: string) {
  return (_key: string, value: unknown) =>
    typeof value === "string" && secret && value.includes(secret) ? value.replaceAll(secret, "***") : value;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`Reminders failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
