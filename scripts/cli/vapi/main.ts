/**
 * `npm run vapi -- diff|apply [--print] [--preset <name>] [--squad <name>]`: shows how the local
 * credential, tools, assistant and (with `--squad`) squads differ from what Vapi has; with `apply`
 * (or `--apply`) creates or updates them and points the phone number (VAPI_PHONE_NUMBER_ID) at
 * this server; with `--print`, shows the request bodies without calling Vapi. Needs PUBLIC_URL,
 * and VAPI_API_KEY unless printing.
 */
import { parseArgs } from "node:util";
import { VapiClient } from "@vapi-ai/server-sdk";
import assistantConfig from "../../../assistant.config.ts";
import { PRESET_NAMES, type PresetName } from "../../../src/assistant/define.ts";
import { ConfigError } from "../../../src/config.ts";
import { credentialIdFile, resolveSecret, saveCredentialId } from "../../../src/runtime/node-runtime.ts";
import { discoverTools } from "../../../src/tools/discover.ts";
import { createRegistry, ToolDefinitionError } from "../../../src/tools/registry.ts";
import { desiredCredential } from "./credential.ts";
import { KNOWLEDGE_BASE_CHOICES, type KnowledgeBaseChoice, knowledgeBaseDecision } from "./knowledge-base.ts";
import { checkSettings } from "./settings.ts";
import { printRequests, type SyncAuth, type SyncDefinition, syncToVapi } from "./sync.ts";

const USAGE = `Usage: npm run vapi -- <diff|apply> [--apply] [--print] [--preset ${PRESET_NAMES.join("|")}] [--squad <name>|all]
       [--knowledge-base on|off|auto]

  diff     show what would change in Vapi (default; changes nothing)
  apply    create or update the credential, the structured outputs, the tools, the assistant and
           the phone number's server
  --print  print the request bodies apply would send for new objects, secrets masked, without
           calling Vapi (no VAPI_API_KEY needed)
  --squad  also sync this squad of assistant.config.ts (each member an assistant, then the squad);
           repeat it for several, or "all" (squads: ${Object.keys(assistantConfig.squads ?? {}).join(", ") || "none"})
  --knowledge-base
           name this server's custom knowledge base on the stored assistant and squad members:
           auto (default) when the knowledge base at DATABASE_URL has documents

Environment: PUBLIC_URL (required), VAPI_API_KEY (required unless --print), VAPI_API_URL,
VAPI_ASSISTANT_ID, VAPI_PHONE_NUMBER_ID, VAPI_SECRET, VAPI_SERVER_AUTH, VAPI_CREDENTIAL_TYPE,
VAPI_CREDENTIAL_ID, VAPI_BEARER_HEADER, VAPI_BEARER_PREFIX, VAPI_HMAC_*, ASSISTANT_PRESET.

It prints VAPI_STRUCTURED_OUTPUT_IDS after apply: set it where Switchboard serves assistant-request.`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      apply: { type: "boolean", default: false },
      print: { type: "boolean", default: false },
      preset: { type: "string" },
      squad: { type: "string", multiple: true },
      "knowledge-base": { type: "string", default: "auto" },
      help: { type: "boolean", short: "h" },
    },
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
  const kbChoice = values["knowledge-base"] as KnowledgeBaseChoice;
  if (!KNOWLEDGE_BASE_CHOICES.includes(kbChoice)) {
    process.stderr.write(`--knowledge-base takes ${KNOWLEDGE_BASE_CHOICES.join(", ")}, not "${kbChoice}".\n`);
    return 2;
  }
  const config = checkSettings(process.env, values.print);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const { secret, generated } = await resolveSecret(config);
  const url = `${config.PUBLIC_URL!.replace(/\/+$/, "")}/vapi/webhook`;
  const kb = await knowledgeBaseDecision(kbChoice, config.DATABASE_URL);
  out(`knowledge base: ${kb.reason}`);
  const auth: SyncAuth =
    config.VAPI_SERVER_AUTH === "header"
      ? { kind: "header", secret }
      : { kind: "credential", credential: desiredCredential(config, secret, url), credentialId: config.VAPI_CREDENTIAL_ID };
  const definition: SyncDefinition = {
    tools: createRegistry(await discoverTools()).list(),
    assistant: assistantConfig,
    preset: (values.preset as PresetName | undefined) ?? config.ASSISTANT_PRESET ?? assistantConfig.defaultPreset,
    url,
    auth,
    businessName: config.BUSINESS_NAME,
    timeZone: config.BUSINESS_TIMEZONE,
    defaultBudgetMs: config.TOOL_BUDGET_MS,
    phoneNumberId: config.VAPI_PHONE_NUMBER_ID,
    knowledgeBase: kb.knowledgeBase,
    squads: values.squad?.includes("all") ? Object.keys(assistantConfig.squads ?? {}) : values.squad,
    secrets: [secret, config.VAPI_HMAC_SECRET ?? ""],
    print: out,
  };
  if (values.print) {
    printRequests(definition);
    return 0;
  }
  if (generated && auth.kind === "credential" && auth.credential.authenticationPlan.type === "bearer") {
    out(
      `note: VAPI_SECRET is not set; the credential holds the secret generated on this machine (${config.DATA_DIR}/vapi-secret). A server elsewhere needs VAPI_SECRET set to the same value.`,
    );
  }
  const apiKey = config.VAPI_API_KEY!;
  await syncToVapi({
    ...definition,
    client: new VapiClient({ token: apiKey, baseUrl: config.VAPI_API_URL, maxRetries: 1, timeoutInSeconds: 30 }),
    http: { baseUrl: config.VAPI_API_URL, token: apiKey },
    assistantId: config.VAPI_ASSISTANT_ID,
    apply: command === "apply" || values.apply,
    onCredential: async (id) => {
      if (config.VAPI_CREDENTIAL_ID) return;
      await saveCredentialId(config, id);
      out(
        `Credential id: ${id} (kept in ${credentialIdFile(config)} for \`npm start\` on this machine; where Switchboard runs elsewhere, set VAPI_CREDENTIAL_ID=${id})`,
      );
    },
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // Settings errors speak for themselves; anything else is a failed sync (a VapiRequestError names host and cause).
    const known = err instanceof ConfigError || err instanceof ToolDefinitionError;
    process.stderr.write(`${known ? (err as Error).message : `Vapi sync failed: ${err instanceof Error ? err.message : String(err)}`}\n`);
    process.exit(1);
  },
);
