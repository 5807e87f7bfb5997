/**
 * Plays a scenario against a Switchboard server (local or deployed) the way Vapi would during a
 * real call: same message shapes, same authentication, one request per step. Reports each
 * step's latency and what the caller would hear (the first message or a rejection, tool filler
 * phrases, what is spoken after each result by Vapi's rules in speaking-rules.ts, the transfer
 * announcement) and checks the scenario's expectations. When the call is answered by a squad it
 * follows the member speaking: tool calls come from that member (and must be among its tools),
 * and a handoff moves the call to the member the server names.
 */
import defaultAssistantConfig from "../../../assistant.config.ts";
import type { AssistantConfig, PresetName } from "../../../src/assistant/define.ts";
import { endpointingFor } from "../../../src/server-messages/endpointing-request.ts";
import { type HmacSettings, signHmac } from "../../../src/vapi/auth.ts";
import type { Scenario, ScenarioStep } from "./scenario.ts";
import {
  describeHeard,
  type Heard,
  heardAfter,
  heardAtStart,
  heardWhileWaiting,
  type VapiToolMessage,
  type VapiToolResult,
} from "./speaking-rules.ts";

export interface SimulatorAuth {
  /** Sent as `x-vapi-secret`, like a Vapi server URL secret. */
  secret?: string | undefined;
  /** Signs each body like a Vapi HMAC credential instead. */
  hmac?:
    | (Pick<HmacSettings, "secret" | "algorithm" | "encoding" | "prefix" | "includeTimestamp"> & {
        signatureHeader: string;
        timestampHeader: string;
      })
    | undefined;
}

export interface SimulatorOptions {
  /** The server's webhook URL, e.g. http://localhost:3000/vapi/webhook. */
  url: string;
  auth: SimulatorAuth;
  /** Printed as the call goes; omit to stay quiet. */
  print?: (line: string) => void;
  callId?: string;
  fetch?: typeof fetch;
  /** Per-request limit; Vapi gives assistant-request 7.5 s in total. */
  timeoutMs?: number;
  /** Names the rule behind each endpointing decision; default: this checkout's assistant.config.ts. */
  assistantConfig?: AssistantConfig;
}

export interface StepReport {
  index: number;
  type: ScenarioStep["type"];
  httpStatus: number;
  latencyMs: number;
  /** What the caller would hear during this step. */
  heard: string[];
  /** What the model receives (tool results), or other facts worth showing. */
  notes: string[];
  /** Per tool call: who speaks after its answer, by Vapi's rules. */
  spoken: { tool: string; outcome: "result" | "error"; heard: Heard }[];
  failures: string[];
}

export interface SimulationReport {
  scenario: string;
  callId: string;
  steps: StepReport[];
  failures: string[];
  ok: boolean;
}

/** Vapi's hard limit for answering assistant-request. */
const ASSISTANT_REQUEST_LIMIT_MS = 7_500;

export async function runScenario(scenario: Scenario, options: SimulatorOptions): Promise<SimulationReport> {
  const print = options.print ?? (() => {});
  const doFetch = options.fetch ?? fetch;
  const callId = options.callId ?? `sim-${crypto.randomUUID()}`;
  const startedAt = new Date();
  const call = {
    id: callId,
    orgId: "simulator",
    type: "inboundPhoneCall",
    status: "in-progress",
    phoneNumberId: scenario.phoneNumberId ?? "simulator-number",
    customer: { number: scenario.caller },
  };
  const conversation: { role: "bot" | "user"; message: string }[] = [];
  const toolMessages = new Map<string, VapiToolMessage[]>();
  let last: unknown;
  let toolCallCounter = 0;
  const steps: StepReport[] = [];
  /** The squad's members as served (name, metadata, function tool names), and who is speaking now. */
  let members: SquadMember[] = [];
  let speaking: SquadMember | undefined;
  /** The served assistant's metadata (its preset), for call.endpointing.request. */
  let servedMetadata: Record<string, string> = {};

  print(`Simulating "${scenario.name}" (call ${callId}) against ${options.url}`);
  for (const [i, step] of scenario.steps.entries()) {
    if (step.type === "call.endpointing.request" && step.assistantSays) conversation.push({ role: "bot", message: step.assistantSays });
    if (step.say) conversation.push({ role: "user", message: step.say });
    const base = { timestamp: Date.now(), call, customer: call.customer };
    let message: Record<string, unknown>;
    const calls: {
      id: string;
      name: string;
      args: Record<string, unknown>;
      expect?: "result" | "error";
      contains?: string;
      heard?: "model" | "words";
    }[] = [];
    switch (step.type) {
      case "assistant-request":
        message = { type: "assistant-request", ...base, call: { ...call, status: "ringing" } };
        break;
      case "status-update":
        message = { type: "status-update", ...base, status: step.status, ...(step.endedReason ? { endedReason: step.endedReason } : {}) };
        break;
      case "tool-calls": {
        const list = step.calls.map((c) => {
          const id = `call_sim_${++toolCallCounter}_${crypto.randomUUID().slice(0, 8)}`;
          const args = resolveArgs(c.arguments, last);
          calls.push({ id, name: c.name, args, ...pickDefined({ expect: c.expect, contains: c.contains, heard: c.heard }) });
          return { id, type: "function", function: { name: c.name, arguments: JSON.stringify(args) } };
        });
        message = {
          type: "tool-calls",
          ...base,
          ...(speaking ? { assistant: { name: speaking.name, metadata: speaking.metadata } } : {}),
          toolCallList: list,
          toolCalls: list,
          toolWithToolCallList: list.map((toolCall) => ({ type: "function", function: { name: toolCall.function.name }, toolCall })),
          artifact: { messages: [...conversation] },
        };
        break;
      }
      case "transfer-destination-request":
        message = { type: "transfer-destination-request", ...base, artifact: { messages: [...conversation] } };
        break;
      case "handoff-destination-request":
        message = {
          type: "handoff-destination-request",
          ...base,
          ...(speaking ? { assistant: { name: speaking.name, metadata: speaking.metadata } } : {}),
          parameters: { destination: "dynamic", ...pickDefined({ desk: step.desk, reason: step.reason, summary: step.summary }) },
          artifact: { messages: [...conversation] },
        };
        break;
      case "call.endpointing.request":
        message = {
          type: "call.endpointing.request",
          ...base,
          assistant: { metadata: step.preset ? { preset: step.preset } : (speaking?.metadata ?? servedMetadata) },
          messages: conversation.map((m, n) => ({ ...m, time: base.timestamp, secondsFromStart: n })),
        };
        break;
      case "campaign.predial": {
        const campaignId = step.campaignId;
        const contact = {
          id: crypto.randomUUID(),
          campaignId,
          orgId: "sim-org",
          number: step.number ?? scenario.caller,
          createdAt: new Date().toISOString(),
        };
        message = { type: "campaign.predial", timestamp: Date.now(), campaignId, contact };
        break;
      }
      case "knowledge-base-request":
        message = {
          type: "knowledge-base-request",
          ...base,
          messages: [...conversation],
          messagesOpenAIFormatted: conversation.map((m) => ({ role: m.role === "bot" ? "assistant" : "user", content: m.message })),
        };
        break;
      case "end-of-call-report":
        message = {
          type: "end-of-call-report",
          ...base,
          call: { ...call, status: "ended" },
          endedReason: step.endedReason,
          startedAt: startedAt.toISOString(),
          endedAt: new Date().toISOString(),
          cost: 0,
          analysis: { summary: step.summary ?? `Simulated call: ${scenario.name}.`, successEvaluation: "true" },
          artifact: {
            transcript: conversation.map((m) => `${m.role === "bot" ? "AI" : "User"}: ${m.message}`).join("\n"),
            messages: conversation,
          },
        };
        break;
    }

    const body = JSON.stringify({ message });
    const started = performance.now();
    let httpStatus = 0;
    let json: Record<string, unknown> = {};
    const failures: string[] = [];
    try {
      const res = await doFetch(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(await authHeaders(options.auth, body)) },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      httpStatus = res.status;
      json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    } catch (err) {
      failures.push(`request failed: ${(err as Error).message}`);
    }
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (httpStatus !== 0 && httpStatus !== 200) failures.push(`HTTP ${httpStatus} (Vapi expects 200)`);

    const heard: string[] = [];
    const notes: string[] = [];
    const spoken: StepReport["spoken"] = [];
    if (step.type === "assistant-request" && httpStatus === 200) {
      if (latencyMs > ASSISTANT_REQUEST_LIMIT_MS)
        failures.push(`took ${latencyMs} ms; Vapi gives up after ${ASSISTANT_REQUEST_LIMIT_MS} ms`);
      const squad = json.squad as { name?: string; members?: { assistant?: ServedAssistant }[] } | undefined;
      const destination = json.destination as { number?: string; sipUri?: string; message?: string } | undefined;
      const got = typeof json.error === "string" ? "error" : destination ? "destination" : squad ? "squad" : "assistant";
      if (got === "error") {
        heard.push(json.error as string);
        notes.push("rejected before any AI answers; Vapi ends the call");
      } else if (got === "destination") {
        if (destination?.message) heard.push(destination.message);
        notes.push(`forwarded to ${destination?.number ?? destination?.sipUri ?? "?"} without the AI`);
      } else {
        const overrides = (squad ? json.squadOverrides : json.assistantOverrides) as
          | { variableValues?: Record<string, string> }
          | undefined;
        const variables = overrides?.variableValues ?? {};
        const served = squad ? (squad.members?.map((m) => m.assistant ?? {}) ?? []) : [json.assistant as ServedAssistant | undefined];
        const first = served[0]?.firstMessage ?? variables.firstMessage;
        if (first) {
          heard.push(first);
          conversation.push({ role: "bot", message: first });
        } else failures.push("no assistant or first message in the answer");
        if (squad) {
          members = served.map((a) => ({
            name: a?.name ?? "?",
            metadata: a?.metadata ?? {},
            tools: (a?.model?.tools ?? []).flatMap((t) => {
              const name =
                (t as { function?: { name?: string }; type?: string }).type === "function"
                  ? (t as { function?: { name?: string } }).function?.name
                  : undefined;
              return name ? [name] : [];
            }),
          }));
          speaking = members[0];
          notes.push(`squad ${squad.name ?? "?"}: ${members.map((m) => m.name).join(", ")}; ${speaking?.name ?? "?"} answers`);
        } else {
          const assistant = served[0];
          servedMetadata = assistant?.metadata ?? {};
          notes.push(assistant?.name ? `assistant ${assistant.name}` : `assistant id ${String(json.assistantId ?? "?")}`);
        }
        notes.push(variables.callerName ? `personalized for ${variables.callerName}` : "not personalized");
        for (const assistant of served) for (const tool of assistant?.model?.tools ?? []) readToolMessages(tool, toolMessages);
      }
      if (step.expect && step.expect !== got) failures.push(`expected ${describeAnswer(step.expect)}, got ${describeAnswer(got)}`);
      if (step.contains && !heard.some((h) => h.includes(step.contains!))) failures.push(`expected the caller to hear "${step.contains}"`);
    }
    if (step.type === "tool-calls" && speaking) {
      for (const c of calls) {
        if (!speaking.tools.includes(c.name)) failures.push(`${c.name} is not among ${speaking.name}'s tools: its model cannot call it`);
      }
    }
    if (step.type === "handoff-destination-request") {
      const destination = json.destination as
        | { assistantName?: string; assistantOverrides?: { variableValues?: Record<string, string> } }
        | undefined;
      const from = speaking;
      if (typeof json.error === "string") {
        notes.push(`handoff refused: ${json.error}`);
        notes.push("then: the model's own answer");
      } else if (destination?.assistantName) {
        speaking = members.find((m) => m.name === destination.assistantName) ?? speaking;
        notes.push(`handed from ${from?.name ?? "?"} to ${destination.assistantName}`);
        const note = destination.assistantOverrides?.variableValues?.handoffNote;
        if (note) notes.push(`it is told: ${note}`);
        notes.push("then: the next member's own words");
      } else failures.push("no destination and no error in the answer");
      const member = typeof json.error === "string" ? "error" : (destination?.assistantName ?? "");
      const memberName = (name: string) => members.find((m) => m.name === name)?.metadata.member ?? name;
      if (step.expect && step.expect !== memberName(member) && step.expect !== member) {
        failures.push(`expected a handoff to ${step.expect}, got ${member === "error" ? "a refusal" : member || "nothing"}`);
      }
    }
    if (step.type === "tool-calls") {
      const results = Array.isArray(json.results) ? (json.results as (VapiToolResult & { toolCallId?: string })[]) : [];
      for (const c of calls) {
        const messages = toolMessages.get(c.name) ?? [];
        const context = { args: c.args, language: scenario.language };
        const start = heardAtStart(messages, context);
        if (start) heard.push(start.text);
        heard.push(...heardWhileWaiting(messages, context, latencyMs));
        const answer = results.find((r) => r.toolCallId === c.id);
        if (!answer) {
          failures.push(`${c.name}: no result with toolCallId ${c.id} (Vapi would say nothing)`);
          continue;
        }
        const outcome = typeof answer.error === "string" ? "error" : "result";
        const text = answer.error ?? answer.result ?? "";
        notes.push(`${c.name} → ${outcome}: ${text}`);
        const after = heardAfter(answer, messages, context);
        spoken.push({ tool: c.name, outcome, heard: after });
        if (after.by === "words") {
          heard.push(after.text);
          conversation.push({ role: "bot", message: after.text });
        } else notes.push(`then: ${describeHeard(after)}`);
        if (outcome === "result") last = parseMaybeJson(text);
        if (c.expect && c.expect !== outcome) failures.push(`${c.name}: expected a ${c.expect}, got ${outcome}: ${text}`);
        if (c.contains && !text.includes(c.contains)) failures.push(`${c.name}: expected the answer to contain "${c.contains}"`);
        if (c.heard && c.heard !== after.by) {
          failures.push(
            `${c.name}: expected the caller to hear ${c.heard === "model" ? "the model's answer" : "fixed words"}, got ${describeHeard(after)}`,
          );
        }
      }
    }
    if (step.type === "campaign.predial") {
      const eligible = json.eligible === true;
      notes.push(
        eligible
          ? "eligible: Vapi dials the contact"
          : "refused: Vapi skips the contact (the reason is in /api/campaigns/predial-decisions)",
      );
      if (typeof json.eligible !== "boolean") failures.push("no boolean eligible in the answer (Vapi records a pre-dial failure)");
      if (step.expect && step.expect !== (eligible ? "eligible" : "refused"))
        failures.push(`expected ${step.expect}, got ${eligible ? "eligible" : "refused"}`);
    }
    if (step.type === "knowledge-base-request") {
      const documents = Array.isArray(json.documents) ? (json.documents as { content?: string; similarity?: number }[]) : [];
      const best = documents[0];
      notes.push(
        best
          ? `${documents.length} passage(s) for the model; best (${best.similarity}): ${(best.content ?? "").replace(/\s+/g, " ").slice(0, 160)}`
          : "no passages: the model answers on its own",
      );
      if (step.expect && step.expect !== (best ? "documents" : "none"))
        failures.push(`expected ${step.expect === "none" ? "no passages" : "passages"}, got ${documents.length}`);
      if (step.contains && !best?.content?.includes(step.contains))
        failures.push(`expected the best passage to contain "${step.contains}"`);
    }
    if (step.type === "transfer-destination-request") {
      const destination = json.destination as { number?: string; sipUri?: string; message?: string } | undefined;
      const spoken = (json.message as { content?: string } | undefined)?.content ?? destination?.message;
      if (typeof json.error === "string") heard.push(json.error);
      else if (spoken) heard.push(spoken);
      const target = destination?.number ?? destination?.sipUri;
      notes.push(target ? `transfer to ${target}` : "transfer refused");
      if (step.expect && step.expect !== (target ?? "error"))
        failures.push(`expected transfer to ${step.expect}, got ${target ?? "a refusal"}`);
    }

    if (step.type === "call.endpointing.request" && httpStatus === 200) {
      const seconds = json.timeoutSeconds;
      const config = options.assistantConfig ?? defaultAssistantConfig;
      const preset = (message.assistant as { metadata?: { preset?: string } }).metadata?.preset;
      // The server does not say which rule decided (Vapi's answer has no room for it): this checkout's rules name it.
      const rule =
        preset && Object.hasOwn(config.presets, preset) ? endpointingFor(config, preset as PresetName, message as never) : undefined;
      notes.push(
        `waits ${String(seconds)} s of silence before the turn ends (${rule ? `rule ${rule.rule}` : "rule unknown"}${preset ? `, preset ${preset}` : ""})`,
      );
      if (typeof seconds !== "number") failures.push("no timeoutSeconds in the answer");
      if (rule && rule.timeoutSeconds !== seconds)
        notes.push(`this checkout's rules would wait ${rule.timeoutSeconds} s: the server runs other rules`);
      if (step.expectSeconds !== undefined && seconds !== step.expectSeconds)
        failures.push(`expected a wait of ${step.expectSeconds} s, got ${String(seconds)}`);
      if (step.expectRule && rule?.rule !== step.expectRule) failures.push(`expected rule ${step.expectRule}, got ${rule?.rule ?? "none"}`);
    }

    const report: StepReport = { index: i + 1, type: step.type, httpStatus, latencyMs, heard, notes, spoken, failures };
    steps.push(report);
    const label = step.type === "tool-calls" ? `tool-calls ${calls.map((c) => c.name).join(", ")}` : step.type;
    print(`${String(i + 1).padStart(2)}. ${label.padEnd(44)} HTTP ${httpStatus || "---"} ${latencyMs.toFixed(1).padStart(8)} ms`);
    if (step.type === "call.endpointing.request" && step.assistantSays) print(`   assistant said: "${step.assistantSays}"`);
    if (step.say) print(`   caller says: "${step.say}"`);
    for (const h of heard) print(`   hears: "${h}"`);
    for (const n of notes) print(`   ${n}`);
    for (const f of failures) print(`   FAILED: ${f}`);
  }

  const failures = steps.flatMap((s) => s.failures.map((f) => `step ${s.index} (${s.type}): ${f}`));
  const total = steps.reduce((sum, s) => sum + s.latencyMs, 0);
  print(
    failures.length === 0 ? `OK: ${steps.length} steps, ${total.toFixed(1)} ms in total.` : `${failures.length} expectation(s) failed.`,
  );
  return { scenario: scenario.name, callId, steps, failures, ok: failures.length === 0 };
}

interface ServedAssistant {
  name?: string;
  firstMessage?: string;
  metadata?: Record<string, string>;
  model?: { tools?: unknown[] };
}

interface SquadMember {
  /** The member's assistant name, as handoffs name it. */
  name: string;
  metadata: Record<string, string>;
  /** Its function tools. */
  tools: string[];
}

function describeAnswer(kind: string): string {
  return kind === "error"
    ? "a rejection"
    : kind === "destination"
      ? "a forward to a person"
      : `an ${kind === "squad" ? "answer by a squad" : "assistant"}`;
}

async function authHeaders(auth: SimulatorAuth, body: string): Promise<Record<string, string>> {
  if (auth.hmac) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await signHmac(auth.hmac, timestamp, new TextEncoder().encode(body));
    return { [auth.hmac.signatureHeader]: signature, [auth.hmac.timestampHeader]: timestamp };
  }
  return auth.secret ? { "x-vapi-secret": auth.secret } : {};
}

function readToolMessages(tool: unknown, into: Map<string, VapiToolMessage[]>) {
  const t = tool as { function?: { name?: string }; messages?: VapiToolMessage[] };
  const name = t.function?.name;
  if (name) into.set(name, Array.isArray(t.messages) ? t.messages : []);
}

function pickDefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Replaces "{{last.a.0.b}}" strings with that path of the previous tool result (keeping its type). */
export function resolveArgs(args: Record<string, unknown>, last: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    const match = typeof value === "string" ? /^\{\{\s*last(?:\.([\w.]+))?\s*\}\}$/.exec(value) : null;
    out[key] = match ? pick(last, match[1]) : value;
  }
  return out;
}

function pick(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return path
    .split(".")
    .reduce<unknown>((v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined), value);
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
