/**
 * Plays a scenario against a Switchboard server (local or deployed) the way Vapi would during a
 * real call: same message shapes, same authentication, one request per step. Reports each
 * step's latency and what the caller would hear (the first message, tool filler phrases, the
 * failure message, the transfer announcement) and checks the scenario's expectations.
 */
import { type HmacSettings, signHmac } from "../../../src/vapi/auth.ts";
import type { Scenario, ScenarioStep } from "./scenario.ts";

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
  failures: string[];
}

export interface SimulationReport {
  scenario: string;
  callId: string;
  steps: StepReport[];
  failures: string[];
  ok: boolean;
}

type ToolInfo = { start?: string; delayed?: { content: string; afterMs: number }; failed?: string };

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
  const toolInfo = new Map<string, ToolInfo>();
  let last: unknown;
  let toolCallCounter = 0;
  const steps: StepReport[] = [];

  print(`Simulating "${scenario.name}" (call ${callId}) against ${options.url}`);
  for (const [i, step] of scenario.steps.entries()) {
    if (step.say) conversation.push({ role: "user", message: step.say });
    const base = { timestamp: Date.now(), call, customer: call.customer };
    let message: Record<string, unknown>;
    const calls: { id: string; name: string; expect?: "result" | "error"; contains?: string }[] = [];
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
          calls.push({ id, name: c.name, ...(c.expect ? { expect: c.expect } : {}), ...(c.contains ? { contains: c.contains } : {}) });
          return { id, type: "function", function: { name: c.name, arguments: JSON.stringify(resolveArgs(c.arguments, last)) } };
        });
        message = {
          type: "tool-calls",
          ...base,
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
    if (step.type === "assistant-request" && httpStatus === 200) {
      const assistant = json.assistant as { firstMessage?: string; name?: string; model?: { tools?: unknown[] } } | undefined;
      const variables = (json.assistantOverrides as { variableValues?: Record<string, string> } | undefined)?.variableValues ?? {};
      if (latencyMs > ASSISTANT_REQUEST_LIMIT_MS)
        failures.push(`took ${latencyMs} ms; Vapi gives up after ${ASSISTANT_REQUEST_LIMIT_MS} ms`);
      const first = assistant?.firstMessage ?? variables.firstMessage;
      if (typeof json.error === "string") heard.push(json.error);
      else if (first) heard.push(first);
      else failures.push("no assistant or first message in the answer");
      if (first) conversation.push({ role: "bot", message: first });
      notes.push(assistant?.name ? `assistant ${assistant.name}` : `assistant id ${String(json.assistantId ?? "?")}`);
      notes.push(variables.callerName ? `personalized for ${variables.callerName}` : "not personalized");
      for (const tool of assistant?.model?.tools ?? []) readToolInfo(tool, toolInfo);
    }
    if (step.type === "tool-calls") {
      const results = Array.isArray(json.results) ? (json.results as { toolCallId?: string; result?: string; error?: string }[]) : [];
      for (const c of calls) {
        const info = toolInfo.get(c.name) ?? {};
        if (info.start) heard.push(info.start);
        if (info.delayed && latencyMs >= info.delayed.afterMs) heard.push(info.delayed.content);
        const answer = results.find((r) => r.toolCallId === c.id);
        if (!answer) {
          failures.push(`${c.name}: no result with toolCallId ${c.id} (Vapi would say nothing)`);
          continue;
        }
        const outcome = typeof answer.error === "string" ? "error" : "result";
        const text = answer.error ?? answer.result ?? "";
        notes.push(`${c.name} → ${outcome}: ${text}`);
        if (outcome === "error" && info.failed) heard.push(info.failed);
        if (outcome === "result") last = parseMaybeJson(text);
        if (c.expect && c.expect !== outcome) failures.push(`${c.name}: expected a ${c.expect}, got ${outcome}: ${text}`);
        if (c.contains && !text.includes(c.contains)) failures.push(`${c.name}: expected the answer to contain "${c.contains}"`);
      }
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

    const report: StepReport = { index: i + 1, type: step.type, httpStatus, latencyMs, heard, notes, failures };
    steps.push(report);
    const label = step.type === "tool-calls" ? `tool-calls ${calls.map((c) => c.name).join(", ")}` : step.type;
    print(`${String(i + 1).padStart(2)}. ${label.padEnd(44)} HTTP ${httpStatus || "---"} ${latencyMs.toFixed(1).padStart(8)} ms`);
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

async function authHeaders(auth: SimulatorAuth, body: string): Promise<Record<string, string>> {
  if (auth.hmac) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = await signHmac(auth.hmac, timestamp, new TextEncoder().encode(body));
    return { [auth.hmac.signatureHeader]: signature, [auth.hmac.timestampHeader]: timestamp };
  }
  return auth.secret ? { "x-vapi-secret": auth.secret } : {};
}

function readToolInfo(tool: unknown, into: Map<string, ToolInfo>) {
  const t = tool as { function?: { name?: string }; messages?: { type: string; content?: string; timingMilliseconds?: number }[] };
  const name = t.function?.name;
  if (!name) return;
  const info: ToolInfo = {};
  for (const m of t.messages ?? []) {
    if (!m.content) continue;
    if (m.type === "request-start") info.start = m.content;
    if (m.type === "request-response-delayed") info.delayed = { content: m.content, afterMs: m.timingMilliseconds ?? 1500 };
    if (m.type === "request-failed") info.failed = m.content;
  }
  into.set(name, info);
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
