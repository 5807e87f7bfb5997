/**
 * Syncs the local tools and assistant to Vapi through its API (`npm run vapi`): compares what
 * Vapi has with what this code would create, prints the difference, and (only when asked)
 * creates or updates the webhook credential, the structured outputs, the function tools, the
 * preset's assistant, the squads asked for (each member an assistant, then the squad) and the phone number's server. Every server references the credential by id (ADR 11); the secret
 * travels in payloads only with VAPI_SERVER_AUTH=header. Matching is by name (credential,
 * tool function name, assistant name) or by configured id; nothing is ever deleted in Vapi.
 * `printRequests` shows the bodies without calling Vapi at all.
 */
import type { Vapi, VapiClient } from "@vapi-ai/server-sdk";
import { assistantName, buildAssistant } from "../../../src/assistant/build.ts";
import { type AssistantConfig, type PresetName, squadToolProblems } from "../../../src/assistant/define.ts";
import { buildMember, memberAssistantName, squadName, squadOf } from "../../../src/assistant/squad.ts";
import { toVapiTool } from "../../../src/assistant/vapi-tools.ts";
import { ConfigError } from "../../../src/config.ts";
import type { ToolDefinition } from "../../../src/tools/define-tool.ts";
import { type ServerAuth, type ServerTarget, serverFor } from "../../../src/vapi/server-target.ts";
import { credentialsApi, hostOf, type RemoteCredential, type VapiHttp, VapiRequestError, viaSdk } from "./api.ts";
import { SECRET_PLAN_FIELDS, type WebhookCredentialBody, withoutSecrets } from "./credential.ts";
import { structuredOutputIdsLine, structuredOutputRequests, syncStructuredOutputs } from "./structured-outputs.ts";
import { type ChangeAction, differences, line, type PlannedChange } from "./sync-diff.ts";

export { type ChangeAction, differences, type PlannedChange } from "./sync-diff.ts";

/** How Vapi authenticates: a credential this sync keeps up to date, or the explicit header form. */
export type SyncAuth =
  /** `credentialId` (VAPI_CREDENTIAL_ID): update that credential instead of finding one by name. */
  { kind: "credential"; credential: WebhookCredentialBody; credentialId?: string | undefined } | { kind: "header"; secret: string };

/** What both the sync and the offline print need. */
export interface SyncDefinition {
  tools: readonly ToolDefinition[];
  assistant: AssistantConfig;
  preset: PresetName;
  /** This server's webhook URL. */
  url: string;
  auth: SyncAuth;
  businessName: string;
  timeZone: string;
  defaultBudgetMs: number;
  /** Point this phone number's server at Switchboard. */
  phoneNumberId?: string | undefined;
  /** Name this server's custom knowledge base on the assistant and squad members (when it has documents). */
  knowledgeBase?: boolean | undefined;
  /** Squads of the assistant configuration to create or update (each member an assistant, then the squad). */
  squads?: readonly string[] | undefined;
  /** Values masked wherever they appear in printed bodies. */
  secrets: readonly string[];
  /** Where the report goes, line by line. */
  print(line: string): void;
}

export interface SyncInput extends SyncDefinition {
  client: VapiClient;
  /** Vapi's API for the raw calls (`/credential`): the SDK client's base URL and key. */
  http: VapiHttp;
  /** Update this assistant instead of finding one by name. */
  assistantId?: string | undefined;
  apply: boolean;
  /** Called with the credential's id once it exists in Vapi (apply only). */
  onCredential?(id: string): Promise<void> | void;
}

export interface SyncResult {
  changes: PlannedChange[];
  applied: boolean;
  warnings: string[];
  /** The credential the servers reference (after apply, or when it already existed). */
  credentialId?: string;
  /** Squad name (in the configuration) → its id in Vapi, for squads that exist there (after apply, or already). */
  squadIds?: Record<string, string>;
  /** Structured output key → its id in Vapi (a placeholder for one a dry run would create). */
  structuredOutputIds: Record<string, string>;
}

/** Stands for ids Vapi has not given yet, in dry runs and printed bodies. */
const NEW_CREDENTIAL = "<id of the new credential>";
const newToolId = (name: string) => `<id of new tool ${name}>`;
const newAssistantId = (name: string) => `<id of new assistant ${name}>`;

/** The squads asked for, checked against the configuration and tools/ before anything is sent. */
export function checkSquads(def: Pick<SyncDefinition, "assistant" | "tools" | "squads">): void {
  const names = def.squads ?? [];
  if (names.length === 0) return;
  const known = Object.keys(def.assistant.squads ?? {});
  const problems = names
    .filter((n) => !known.includes(n))
    .map((n) => `  --squad ${n}: no such squad in assistant.config.ts (squads: ${known.join(", ") || "none"})`);
  const subset = {
    ...def.assistant,
    squads: Object.fromEntries(Object.entries(def.assistant.squads ?? {}).filter(([n]) => names.includes(n))),
  };
  problems.push(
    ...squadToolProblems(
      subset,
      def.tools.map((t) => t.name),
    ).map((p) => `  ${p}`),
  );
  if (problems.length > 0) throw new ConfigError(`Cannot sync the squads:\n${problems.join("\n")}`);
}

/** Runs the comparison and, with `apply`, the changes. Throws VapiRequestError on API errors (the CLI prints them). */
export async function syncToVapi(input: SyncInput): Promise<SyncResult> {
  checkSquads(input);
  const { client, print } = input;
  const host = hostOf(input.http.baseUrl);
  const changes: PlannedChange[] = [];
  const warnings: string[] = [];
  print(`Vapi sync ${input.apply ? "(applying)" : "(dry run)"} with ${host}: server URL ${input.url}`);

  // The credential first: every server below references it.
  let auth: ServerAuth;
  let credentialId: string | undefined;
  if (input.auth.kind === "header") {
    auth = { kind: "header", secret: input.auth.secret };
    warnings.push(
      "VAPI_SERVER_AUTH=header: the secret is written into every tool, the assistant and the phone number Vapi stores (use a credential: unset VAPI_SERVER_AUTH).",
    );
  } else {
    credentialId = await syncCredential(input, input.auth, changes);
    auth = { kind: "credential", credentialId: credentialId ?? NEW_CREDENTIAL };
  }
  const target: ServerTarget = { url: input.url, auth };

  // Structured outputs, matched by name: the assistants below reference them by id.
  const outputIds = await syncStructuredOutputs({ client, host, assistant: input.assistant, apply: input.apply, print }, changes);

  // Tools, matched by function name.
  const remoteTools = (await viaSdk(host, "GET /tool", () => client.tools.list({ limit: 1000 }))).filter(
    (t): t is Vapi.ListToolsResponseItem.Function => (t as { type?: string }).type === "function",
  );
  const byName = new Map(remoteTools.map((t) => [t.function?.name ?? "", t]));
  const toolIds = new Map<string, string>();
  print("tools");
  for (const tool of input.tools) {
    const desired = toolBody(tool, target, input.defaultBudgetMs);
    const remote = byName.get(tool.name);
    if (remote) toolIds.set(tool.name, remote.id);
    const fields = remote ? serverAwareDifferences(desired, remote) : [];
    const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
    changes.push({ kind: "tool", name: tool.name, action, fields, ...(remote ? { id: remote.id } : {}) });
    print(line(action, tool.name, fields));
    if (!input.apply || action === "unchanged") continue;
    if (remote) {
      await viaSdk(host, `PATCH /tool/${remote.id}`, () =>
        client.tools.update({ id: remote.id, body: desired as Vapi.UpdateToolsRequestBody }),
      );
    } else {
      const created = await viaSdk(host, "POST /tool", () => client.tools.create(desired as Vapi.CreateToolsRequest));
      toolIds.set(tool.name, (created as { id: string }).id);
    }
  }

  // The preset's assistant, with the tools by id and Liquid placeholders for personalization.
  const name = assistantName(input.assistant, input.preset);
  const desired = assistantBody(input, target, (t) => toolIds.get(t) ?? newToolId(t), outputIds);
  const remoteAssistant = input.assistantId
    ? await viaSdk(host, `GET /assistant/${input.assistantId}`, () => client.assistants.get({ id: input.assistantId! }))
    : (await viaSdk(host, "GET /assistant", () => client.assistants.list({ limit: 1000 }))).find((a) => a.name === name);
  const assistantFields = remoteAssistant ? serverAwareDifferences(desired, remoteAssistant) : [];
  const assistantAction: ChangeAction = !remoteAssistant ? "create" : assistantFields.length > 0 ? "update" : "unchanged";
  print("assistant");
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
    if (remoteAssistant) {
      await viaSdk(host, `PATCH /assistant/${remoteAssistant.id}`, () =>
        client.assistants.update({ id: remoteAssistant.id, ...(desired as Omit<Vapi.UpdateAssistantDto, "id">) }),
      );
    } else {
      assistantId = (await viaSdk(host, "POST /assistant", () => client.assistants.create(desired))).id;
    }
  }

  // Squads: each member an assistant (tools by id, a dynamic handoff tool), then the squad naming them.
  const squadIds: Record<string, string> = {};
  if ((input.squads ?? []).length > 0) {
    const remoteAssistants = await viaSdk(host, "GET /assistant", () => client.assistants.list({ limit: 1000 }));
    const remoteSquads = await viaSdk(host, "GET /squad", () => client.squads.list({ limit: 1000 }));
    for (const name of input.squads ?? []) {
      print(`squad ${name}`);
      const memberIds: string[] = [];
      for (const member of squadOf(input.assistant, name).members) {
        const memberName = memberAssistantName(input.assistant, member);
        const body = memberBody(input, name, member.name, target, (t) => toolIds.get(t) ?? newToolId(t), outputIds);
        const remote = remoteAssistants.find((a) => a.name === memberName);
        const fields = remote ? serverAwareDifferences(body, remote) : [];
        const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
        changes.push({ kind: "assistant", name: memberName, action, fields, ...(remote ? { id: remote.id } : {}) });
        print(line(action, remote ? `${memberName} (${remote.id})` : memberName, fields));
        let id = remote?.id ?? newAssistantId(memberName);
        if (input.apply && action !== "unchanged") {
          if (remote) {
            await viaSdk(host, `PATCH /assistant/${remote.id}`, () =>
              client.assistants.update({ id: remote.id, ...(body as Omit<Vapi.UpdateAssistantDto, "id">) }),
            );
          } else {
            id = (await viaSdk(host, "POST /assistant", () => client.assistants.create(body))).id;
          }
        }
        memberIds.push(id);
      }
      const fullName = squadName(input.assistant, name);
      const body = squadBody(fullName, memberIds);
      const remote = remoteSquads.find((q) => q.name === fullName);
      const fields = remote ? differences(body, remote) : [];
      const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
      changes.push({ kind: "squad", name: fullName, action, fields, ...(remote ? { id: remote.id } : {}) });
      print(line(action, remote ? `${fullName} (${remote.id})` : fullName, fields));
      let squadId = remote?.id;
      if (input.apply && action !== "unchanged") {
        if (remote) {
          await viaSdk(host, `PATCH /squad/${remote.id}`, () => client.squads.update({ id: remote.id, ...body }));
        } else {
          squadId = (await viaSdk(host, "POST /squad", () => client.squads.create(body))).id;
        }
      }
      if (squadId) squadIds[name] = squadId;
    }
  }

  // The phone number's server: where Vapi sends assistant-request for inbound calls.
  if (input.phoneNumberId) {
    const phoneId = input.phoneNumberId;
    const phone = (await viaSdk(host, `GET /phone-number/${phoneId}`, () => client.phoneNumbers.get({ id: phoneId }))) as {
      id: string;
      provider: string;
      server?: Vapi.Server;
      assistantId?: string;
    };
    const server = phoneNumberServer(target);
    const fields = serverAwareDifferences({ server }, { server: phone.server ?? {} });
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
      await viaSdk(host, `PATCH /phone-number/${phone.id}`, () =>
        client.phoneNumbers.update({ id: phone.id, body: { provider: phone.provider, server } as Vapi.UpdatePhoneNumbersRequestBody }),
      );
    }
  }

  for (const w of warnings) print(`warning: ${w}`);
  const pending = changes.filter((c) => c.action !== "unchanged").length;
  if (input.apply) print(pending === 0 ? "Everything was already in sync." : `Applied ${pending} change(s).`);
  else print(pending === 0 ? "Everything is in sync." : `Dry run: ${pending} change(s) pending. Run again with --apply to make them.`);
  if (input.apply && assistantId) print(`Assistant id: ${assistantId} (set VAPI_ASSISTANT_ID to serve it by id)`);
  const idsLine = input.apply ? structuredOutputIdsLine(outputIds) : undefined;
  if (idsLine) print(`Structured outputs: ${idsLine} (set it where Switchboard runs: the transient assistant then references them by id)`);
  for (const [name, id] of Object.entries(squadIds)) {
    if (input.apply) {
      print(
        `Squad ${name} id: ${id} (Switchboard serves it on assistant-request by a routing rule; a phone number given this squad directly skips screening and routing)`,
      );
    }
  }
  return {
    changes,
    applied: input.apply,
    warnings,
    ...(credentialId ? { credentialId } : {}),
    ...(Object.keys(squadIds).length > 0 ? { squadIds } : {}),
    structuredOutputIds: outputIds,
  };
}

/**
 * Finds (by VAPI_CREDENTIAL_ID, else by name), compares and, with apply, creates or updates the
 * webhook credential. Vapi does not return secrets, so an existing credential whose other fields
 * match is still sent again on apply: a changed VAPI_SECRET must reach Vapi. Returns its id,
 * undefined in a dry run that would create it.
 */
async function syncCredential(
  input: SyncInput,
  auth: Extract<SyncAuth, { kind: "credential" }>,
  changes: PlannedChange[],
): Promise<string | undefined> {
  const api = credentialsApi(input.http);
  const host = hostOf(input.http.baseUrl);
  let remote: RemoteCredential | undefined;
  if (auth.credentialId) {
    try {
      remote = await api.get(auth.credentialId);
    } catch (err) {
      if (err instanceof VapiRequestError && err.details.status === 404) {
        throw new VapiRequestError(
          `VAPI_CREDENTIAL_ID=${auth.credentialId}: no such credential on ${host} (HTTP 404). Unset it to let sync create one.`,
          err.details,
        );
      }
      throw err;
    }
    if (remote.provider !== "webhook") {
      throw new VapiRequestError(
        `VAPI_CREDENTIAL_ID=${auth.credentialId} is a "${remote.provider}" credential; servers need a "webhook" credential (Bearer or HMAC).`,
        { host, operation: `GET /credential/${auth.credentialId}` },
      );
    }
  } else {
    remote = (await api.list()).find((c) => c.provider === "webhook" && c.name === auth.credential.name);
  }
  // A credential named by id keeps its own name: it may have been made in the dashboard.
  const desired: Partial<WebhookCredentialBody> = auth.credentialId ? { ...auth.credential, name: undefined } : auth.credential;
  const { fields, secretUnknown } = remote ? credentialDifferences(desired, remote) : { fields: [], secretUnknown: false };
  const action: ChangeAction = !remote ? "create" : fields.length > 0 ? "update" : "unchanged";
  const label = remote ? `${remote.name ?? auth.credential.name} (${remote.id})` : auth.credential.name;
  input.print(`credential (${auth.credential.authenticationPlan.type})`);
  input.print(
    line(action, label, fields) +
      (secretUnknown
        ? `; Vapi does not return the ${secretField(auth.credential)}, so ${input.apply ? "it was" : "--apply"} sent again`
        : ""),
  );
  changes.push({ kind: "credential", name: label, action, fields, ...(remote ? { id: remote.id } : {}) });
  if (!input.apply) return remote?.id;
  let id = remote?.id;
  if (!remote) {
    id = (await api.create(auth.credential)).id;
  } else if (action === "update" || secretUnknown) {
    const { name: _name, ...rest } = auth.credential;
    await api.update(remote.id, auth.credentialId ? rest : auth.credential);
  }
  if (id) await input.onCredential?.(id);
  return id;
}

function secretField(credential: WebhookCredentialBody): string {
  return credential.authenticationPlan.type === "bearer" ? "token" : "secret key";
}

/** Differences of a credential, comparing the secret only when Vapi returned it. */
function credentialDifferences(desired: Partial<WebhookCredentialBody>, remote: RemoteCredential) {
  const plan = { ...(desired.authenticationPlan ?? {}) } as Record<string, unknown>;
  const remotePlan = remote.authenticationPlan ?? {};
  let secretUnknown = false;
  for (const field of SECRET_PLAN_FIELDS) {
    if (!(field in plan)) continue;
    if (typeof remotePlan[field] !== "string") {
      delete plan[field];
      secretUnknown = true;
    }
  }
  // A plan of another type is replaced whole; fields it did not set are Vapi's defaults.
  const fields = differences({ ...desired, authenticationPlan: plan }, remote);
  return { fields, secretUnknown: secretUnknown && fields.length === 0 };
}

/** A tool as `POST /tool` takes it. */
function toolBody(tool: ToolDefinition, target: ServerTarget, defaultBudgetMs: number): Vapi.CreateToolsRequest {
  return { ...toVapiTool(tool, target, defaultBudgetMs), type: "function" } as Vapi.CreateToolsRequest;
}

/** The preset's assistant as `POST /assistant` takes it, tools by id. */
function assistantBody(
  def: SyncDefinition,
  target: ServerTarget,
  toolId: (name: string) => string,
  structuredOutputIds: Record<string, string>,
): Vapi.CreateAssistantDto {
  return buildAssistant(
    {
      structuredOutputIds,
      config: def.assistant,
      preset: def.preset,
      tools: def.tools,
      target,
      businessName: def.businessName,
      timeZone: def.timeZone,
      defaultBudgetMs: def.defaultBudgetMs,
      knowledgeBase: def.knowledgeBase,
    },
    { kind: "placeholders" },
    def.tools.map((t) => toolId(t.name)),
  );
}

/** A squad member's assistant as `POST /assistant` takes it: its own tools by id, Liquid placeholders for the caller. */
function memberBody(
  def: SyncDefinition,
  squad: string,
  member: string,
  target: ServerTarget,
  toolId: (name: string) => string,
  structuredOutputIds: Record<string, string>,
): Vapi.CreateAssistantDto {
  const config = squadOf(def.assistant, squad).members.find((m) => m.name === member)!;
  return buildMember(
    {
      structuredOutputIds,
      config: def.assistant,
      squad,
      tools: def.tools,
      target,
      businessName: def.businessName,
      timeZone: def.timeZone,
      defaultBudgetMs: def.defaultBudgetMs,
      knowledgeBase: def.knowledgeBase,
    },
    config,
    { kind: "placeholders" },
    config.tools.filter((t) => def.tools.some((d) => d.name === t)).map(toolId),
  );
}

/** A squad as `POST /squad` takes it: its members' assistants by id, the first one answering. */
function squadBody(name: string, memberIds: readonly string[]): Vapi.CreateSquadDto {
  return { name, members: memberIds.map((assistantId) => ({ assistantId })) };
}

function phoneNumberServer(target: ServerTarget): Vapi.Server {
  return serverFor(target, { kind: "phone-number" });
}

/**
 * The request bodies `--apply` would send for objects that do not exist yet, without calling
 * Vapi: ids Vapi has not given are shown as placeholders, secrets are masked.
 */
export function printRequests(def: SyncDefinition): { method: string; path: string; body: unknown }[] {
  checkSquads(def);
  const credentialId = def.auth.kind === "credential" ? (def.auth.credentialId ?? NEW_CREDENTIAL) : undefined;
  const auth: ServerAuth =
    def.auth.kind === "header" ? { kind: "header", secret: def.auth.secret } : { kind: "credential", credentialId: credentialId! };
  const target: ServerTarget = { url: def.url, auth };
  const requests: { method: string; path: string; body: unknown }[] = [];
  if (def.auth.kind === "credential") {
    requests.push(
      def.auth.credentialId
        ? { method: "PATCH", path: `/credential/${def.auth.credentialId}`, body: { ...def.auth.credential, name: undefined } }
        : { method: "POST", path: "/credential", body: def.auth.credential },
    );
  }
  const outputs = structuredOutputRequests(def.assistant);
  requests.push(...outputs.requests);
  for (const tool of def.tools) requests.push({ method: "POST", path: "/tool", body: toolBody(tool, target, def.defaultBudgetMs) });
  requests.push({ method: "POST", path: "/assistant", body: assistantBody(def, target, newToolId, outputs.ids) });
  for (const name of def.squads ?? []) {
    const members = squadOf(def.assistant, name).members;
    for (const member of members) {
      requests.push({ method: "POST", path: "/assistant", body: memberBody(def, name, member.name, target, newToolId, outputs.ids) });
    }
    const ids = members.map((m) => newAssistantId(memberAssistantName(def.assistant, m)));
    requests.push({ method: "POST", path: "/squad", body: squadBody(squadName(def.assistant, name), ids) });
  }
  if (def.phoneNumberId) {
    requests.push({
      method: "PATCH",
      path: `/phone-number/${def.phoneNumberId}`,
      body: { provider: "<the number's provider, read from Vapi>", server: phoneNumberServer(target) },
    });
  }
  const masked = requests.map((r) => ({ ...r, body: withoutSecrets(r.body, def.secrets) }));
  def.print(`Request bodies for ${def.url} (nothing is sent; secrets masked; ids Vapi has not given yet in <angle brackets>):`);
  for (const r of masked) def.print(`\n${r.method} ${r.path}\n${JSON.stringify(r.body, null, 2)}`);
  if (def.auth.kind === "header") {
    def.print(
      "\nwarning: VAPI_SERVER_AUTH=header: the secret is written into every server above (use a credential: unset VAPI_SERVER_AUTH).",
    );
  }
  return masked;
}

/**
 * `differences`, plus authentication Vapi still holds that the desired server no longer has:
 * a stale `headers` (the secret of the header form) or `credentialId` must be replaced too.
 */
function serverAwareDifferences(desired: unknown, actual: unknown): string[] {
  const fields = differences(desired, actual);
  const d = (desired as { server?: Record<string, unknown> }).server;
  const a = (actual as { server?: Record<string, unknown> } | undefined)?.server;
  if (d && a) {
    for (const key of ["headers", "credentialId"]) {
      if (d[key] === undefined && a[key] !== undefined && !fields.includes(`server.${key}`)) fields.push(`server.${key}`);
    }
  }
  // Sync sets the knowledge base only sometimes: one Vapi has that sync would leave out is a
  // difference (the PATCH sends `model` whole, which takes it off).
  const dm = (desired as { model?: Record<string, unknown> }).model;
  const am = (actual as { model?: Record<string, unknown> } | undefined)?.model;
  if (dm && am && dm.knowledgeBase === undefined && am.knowledgeBase != null && !fields.includes("model")) {
    fields.push("model.knowledgeBase");
  }
  return fields;
}
