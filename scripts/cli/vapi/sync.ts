/**
 * Syncs the local tools and assistant to Vapi through its API (`npm run vapi`): compares what
 * Vapi has with what this code would create, prints the difference, and (only when asked)
 * creates or updates the function tools, the preset's assistant and the phone number's server
 * URL. Matching is by name (tool function name, assistant name) or by configured id; nothing
 * is ever deleted in Vapi.
 */
import type { Vapi, VapiClient } from "@vapi-ai/server-sdk";
import { assistantName, buildAssistant } from "../../../src/assistant/build.ts";
import type { AssistantConfig, PresetName } from "../../../src/assistant/define.ts";
import { toVapiTool } from "../../../src/assistant/vapi-tools.ts";
import type { ToolDefinition } from "../../../src/tools/define-tool.ts";
import { type ServerTarget, serverFor } from "../../../src/vapi/server-target.ts";

export interface SyncInput {
  client: VapiClient;
  tools: readonly ToolDefinition[];
  assistant: AssistantConfig;
  preset: PresetName;
  target: ServerTarget;
  businessName: string;
  timeZone: string;
  defaultBudgetMs: number;
  /** Update this assistant instead of finding one by name. */
  assistantId?: string | undefined;
  /** Point this phone number's server URL at Switchboard. */
  phoneNumberId?: string | undefined;
  apply: boolean;
  /** Where the report goes, line by line. */
  print(line: string): void;
}

export type ChangeAction = "create" | "update" | "unchanged";

export interface PlannedChange {
  kind: "tool" | "assistant" | "phone-number";
  name: string;
  action: ChangeAction;
  /** Paths that differ, for updates. */
  fields: string[];
  id?: string;
}

export interface SyncResult {
  changes: PlannedChange[];
  applied: boolean;
  warnings: string[];
}

/** Runs the comparison and, with `apply`, the changes. Throws on API errors (the CLI prints them). */
export async function syncToVapi(input: SyncInput): Promise<SyncResult> {
  const { client, print } = input;
  const changes: PlannedChange[] = [];
  const warnings: string[] = [];
  print(`Vapi sync ${input.apply ? "(applying)" : "(dry run)"}: server URL ${input.target.url}`);

  // Tools, matched by function name.
  const remoteTools = (await client.tools.list({ limit: 1000 })).filter(
    (t): t is Vapi.ListToolsResponseItem.Function => (t as { type?: string }).type === "function",
  );
  const byName = new Map(remoteTools.map((t) => [t.function?.name ?? "", t]));
  const toolIds = new Map<string, string>();
  print("tools");
  for (const tool of input.tools) {
    const desired = toVapiTool(tool, input.target, input.defaultBudgetMs);
    const remote = byName.get(tool.name);
    if (remote) toolIds.set(tool.name, remote.id);
    const fields = remote ? differences(desired, remote) : [];
    const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
    changes.push({ kind: "tool", name: tool.name, action, fields, ...(remote ? { id: remote.id } : {}) });
    print(line(action, tool.name, fields));
    if (!input.apply || action === "unchanged") continue;
    if (remote) {
      const { type: _type, ...body } = desired as Vapi.CreateFunctionToolDto & { type: string };
      await client.tools.update({ id: remote.id, body: { type: "function", ...body } });
    } else {
      const created = await client.tools.create({ ...desired, type: "function" });
      toolIds.set(tool.name, (created as { id: string }).id);
    }
  }

  // The preset's assistant, with the tools by id and Liquid placeholders for personalization.
  const name = assistantName(input.assistant, input.preset);
  const ids = input.tools.map((t) => toolIds.get(t.name) ?? `<new tool ${t.name}>`);
  const desired = buildAssistant(
    {
      config: input.assistant,
      preset: input.preset,
      tools: input.tools,
      target: input.target,
      businessName: input.businessName,
      timeZone: input.timeZone,
      defaultBudgetMs: input.defaultBudgetMs,
    },
    { kind: "placeholders" },
    ids,
  );
  const remoteAssistant = input.assistantId
    ? await client.assistants.get({ id: input.assistantId })
    : (await client.assistants.list({ limit: 1000 })).find((a) => a.name === name);
  const assistantFields = remoteAssistant ? differences(desired, remoteAssistant) : [];
  const assistantAction: ChangeAction = !remoteAssistant ? "create" : assistantFields.length > 0 ? "update" : "unchanged";
  print(`assistant`);
  print(line(assistantAction, remoteAssistant ? `${name} (${remoteAssistant.id})` : name, assistantFields));
  changes.push({
    kind: "assistant",
    name,
    action: assistantAction,
    fields: assistantFields,
    ...(remoteAssistant ? { id: remoteAssistant.id } : {}),
  });
  let assistantId = remoteAssistant?.id;
  if (input.apply && assistantAction !== "unchanged") {
    if (remoteAssistant) await client.assistants.update({ id: remoteAssistant.id, ...(desired as Omit<Vapi.UpdateAssistantDto, "id">) });
    else assistantId = (await client.assistants.create(desired)).id;
  }

  // The phone number's server URL: where Vapi sends assistant-request for inbound calls.
  if (input.phoneNumberId) {
    const phone = (await client.phoneNumbers.get({ id: input.phoneNumberId })) as {
      id: string;
      provider: string;
      server?: Vapi.Server;
      assistantId?: string;
    };
    const server = serverFor(input.target);
    const fields = differences(server, phone.server ?? {}).map((f) => `server.${f}`);
    const action: ChangeAction = fields.length > 0 ? "update" : "unchanged";
    print("phone number");
    print(line(action, phone.id, fields));
    changes.push({ kind: "phone-number", name: phone.id, action, fields, id: phone.id });
    if (phone.assistantId) {
      warnings.push(
        `Phone number ${phone.id} has assistant ${phone.assistantId} attached, so Vapi will not send assistant-request; detach it in Vapi to let Switchboard choose.`,
      );
    }
    if (input.apply && action === "update") {
      await client.phoneNumbers.update({ id: phone.id, body: { provider: phone.provider, server } as Vapi.UpdatePhoneNumbersRequestBody });
    }
  }

  for (const w of warnings) print(`warning: ${w}`);
  const pending = changes.filter((c) => c.action !== "unchanged").length;
  if (input.apply) print(pending === 0 ? "Everything was already in sync." : `Applied ${pending} change(s).`);
  else print(pending === 0 ? "Everything is in sync." : `Dry run: ${pending} change(s) pending. Run again with --apply to make them.`);
  if (input.apply && assistantId) print(`Assistant id: ${assistantId} (set VAPI_ASSISTANT_ID to serve it by id)`);
  return { changes, applied: input.apply, warnings };
}

function line(action: ChangeAction, name: string, fields: string[]): string {
  const mark = action === "create" ? "+" : action === "update" ? "~" : "=";
  const detail = action === "update" ? `: ${fields.join(", ")}` : action === "unchanged" ? " (unchanged)" : "";
  return `  ${mark} ${action === "unchanged" ? "" : `${action} `}${name}${detail}`;
}

/**
 * Paths where `desired` differs from `actual`, looking only at what `desired` sets: Vapi adds
 * ids, timestamps and defaults of its own, which are not differences. Arrays compare whole.
 */
export function differences(desired: unknown, actual: unknown, path = ""): string[] {
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return [path || "(all)"];
    return Object.entries(desired).flatMap(([key, value]) =>
      value === undefined ? [] : differences(value, actual[key], path ? `${path}.${key}` : key),
    );
  }
  return stableJson(desired) === stableJson(actual) ? [] : [path || "(all)"];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    isPlainObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
