/**
 * `npm run vapi -- diff|apply [--preset <name>]`: shows how the local tools and assistant differ
 * from what Vapi has, and with `apply` (or `--apply`) creates or updates them and points the
 * phone number (VAPI_PHONE_NUMBER_ID) at this server. Needs VAPI_API_KEY and PUBLIC_URL.
 */
import { parseArgs } from "node:util";
import { VapiClient } from "@vapi-ai/server-sdk";
import assistantConfig from "../../../assistant.config.ts";
import { PRESET_NAMES, type PresetName } from "../../../src/assistant/define.ts";
import { ConfigError, parseConfig } from "../../../src/config.ts";
import { resolveSecret } from "../../../src/runtime/node-runtime.ts";
import { discoverTools } from "../../../src/tools/discover.ts";
import { createRegistry, ToolDefinitionError } from "../../../src/tools/registry.ts";
import { syncToVapi } from "./sync.ts";

const USAGE = `Usage: npm run vapi -- <diff|apply> [--apply] [--preset ${PRESET_NAMES.join("|")}]

  diff    show what would change in Vapi (default; changes nothing)
  apply   create or update the tools, the assistant and the phone number's server URL

Environment: VAPI_API_KEY (required), PUBLIC_URL (required), VAPI_API_URL, VAPI_ASSISTANT_ID,
VAPI_PHONE_NUMBER_ID, VAPI_SECRET or VAPI_CREDENTIAL_ID, ASSISTANT_PRESET.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { apply: { type: "boolean", default: false }, preset: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const command = positionals[0] ?? "diff";
  if (values.help || !["diff", "apply"].includes(command)) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (values.preset !== undefined && !PRESET_NAMES.includes(values.preset as PresetName)) {
    process.stderr.write(`Unknown preset "${values.preset}". Presets: ${PRESET_NAMES.join(", ")}.\n`);
    return 2;
  }
  const config = parseConfig(process.env);
  if (!config.VAPI_API_KEY) throw new ConfigError("VAPI_API_KEY is not set: create a private API key in the Vapi dashboard.");
  if (!config.PUBLIC_URL) throw new ConfigError("PUBLIC_URL is not set: Vapi needs the public https address of this server.");
  const { secret } = await resolveSecret(config);
  const tools = createRegistry(await discoverTools()).list();
  const client = new VapiClient({ token: config.VAPI_API_KEY, baseUrl: config.VAPI_API_URL, maxRetries: 1, timeoutInSeconds: 30 });
  await syncToVapi({
    client,
    tools,
    assistant: assistantConfig,
    preset: (values.preset as PresetName | undefined) ?? config.ASSISTANT_PRESET ?? assistantConfig.defaultPreset,
    target: { url: `${config.PUBLIC_URL.replace(/\/+$/, "")}/vapi/webhook`, secret, credentialId: config.VAPI_CREDENTIAL_ID },
    businessName: config.BUSINESS_NAME,
    timeZone: config.BUSINESS_TIMEZONE,
    defaultBudgetMs: config.TOOL_BUDGET_MS,
    assistantId: config.VAPI_ASSISTANT_ID,
    phoneNumberId: config.VAPI_PHONE_NUMBER_ID,
    apply: command === "apply" || values.apply === true,
    print: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof ToolDefinitionError;
    process.stderr.write(`${known ? (err as Error).message : `Vapi sync failed: ${err instanceof Error ? err.message : String(err)}`}\n`);
    process.exit(1);
  },
);
