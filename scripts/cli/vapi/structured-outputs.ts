/**
 * The structured outputs of `assistant.config.ts` in Vapi (`/structured-output`): found by name
 * ("Switchboard intent"), compared, and with apply created or updated, before the assistants
 * that reference them by id (`artifactPlan.structuredOutputIds`). Nothing is ever deleted.
 */
import type { Vapi, VapiClient } from "@vapi-ai/server-sdk";
import type { AssistantConfig } from "../../../src/assistant/define.ts";
import { structuredOutputBody, structuredOutputKeys, structuredOutputName } from "../../../src/assistant/structured-outputs.ts";
import { viaSdk } from "./api.ts";
import { type ChangeAction, differences, line, type PlannedChange } from "./sync-diff.ts";

/** Stands for the id of an output Vapi has not created yet, in dry runs and printed bodies. */
export const newStructuredOutputId = (key: string) => `<id of new structured output ${key}>`;

export interface StructuredOutputSync {
  client: VapiClient;
  host: string;
  assistant: AssistantConfig;
  apply: boolean;
  print(line: string): void;
}

/**
 * Creates or updates each output (with apply) and returns their ids by key: Vapi's for those
 * that exist, placeholders for those a dry run would create.
 */
export async function syncStructuredOutputs(input: StructuredOutputSync, changes: PlannedChange[]): Promise<Record<string, string>> {
  const keys = structuredOutputKeys(input.assistant);
  const ids: Record<string, string> = {};
  if (keys.length === 0) return ids;
  const { client, host } = input;
  const listed = await viaSdk(host, "GET /structured-output", () =>
    client.structuredOutputs.structuredOutputControllerFindAll({ limit: 1000 }),
  );
  const byName = new Map((listed.results ?? []).map((o) => [o.name, o]));
  input.print("structured outputs");
  for (const key of keys) {
    const desired = structuredOutputBody(input.assistant, key);
    const name = structuredOutputName(input.assistant, key);
    const remote = byName.get(name);
    const fields = remote ? differences(desired, remote) : [];
    const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
    changes.push({ kind: "structured-output", name, action, fields, ...(remote ? { id: remote.id } : {}) });
    // Vapi refuses to change the type of a stored output's result unless told to (`schemaOverride`).
    const retyped = remote !== undefined && (remote.schema as { type?: unknown } | undefined)?.type !== desired.schema.type;
    input.print(line(action, remote ? `${name} (${remote.id})` : name, fields) + (retyped ? "; the result's type changes" : ""));
    ids[key] = remote?.id ?? newStructuredOutputId(key);
    if (!input.apply || action === "unchanged") continue;
    if (remote) {
      await viaSdk(host, `PATCH /structured-output/${remote.id}`, () =>
        client.structuredOutputs.structuredOutputControllerUpdate({
          id: remote.id,
          schemaOverride: retyped ? "true" : "false",
          ...(desired as Omit<Vapi.UpdateStructuredOutputDto, "id" | "schemaOverride">),
        }),
      );
    } else {
      ids[key] = (
        await viaSdk(host, "POST /structured-output", () => client.structuredOutputs.structuredOutputControllerCreate(desired))
      ).id;
    }
  }
  return ids;
}

/** The requests `--print` shows for the outputs, with their placeholder ids by key. */
export function structuredOutputRequests(assistant: AssistantConfig): {
  requests: { method: string; path: string; body: unknown }[];
  ids: Record<string, string>;
} {
  const keys = structuredOutputKeys(assistant);
  return {
    requests: keys.map((key) => ({ method: "POST", path: "/structured-output", body: structuredOutputBody(assistant, key) })),
    ids: Object.fromEntries(keys.map((key) => [key, newStructuredOutputId(key)])),
  };
}

/** The VAPI_STRUCTURED_OUTPUT_IDS line for ids that all exist in Vapi; undefined while any is a placeholder. */
export function structuredOutputIdsLine(ids: Record<string, string>): string | undefined {
  const entries = Object.entries(ids);
  if (entries.length === 0 || entries.some(([, id]) => id.startsWith("<"))) return undefined;
  return `VAPI_STRUCTURED_OUTPUT_IDS=${entries.map(([k, id]) => `${k}=${id}`).join(",")}`;
}
