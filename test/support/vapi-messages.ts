/** Realistic Vapi server messages, shaped like payloads captured from real calls. */
import { randomUUID } from "node:crypto";
import { scanLogLines } from "./log-scan.ts";

/**
 * A random id that the run-wide log scan cannot mistake for a card number: about one UUID in a
 * few hundred has a Luhn-valid run of 13 digits, and ids are logged with every tool call.
 */
export function logSafeId(make: () => string = randomUUID): string {
  for (;;) {
    const id = make();
    if (scanLogLines([id], []).length === 0) return id;
  }
}

export interface CallOptions {
  callId?: string;
  caller?: string;
}

function call(options: CallOptions) {
  return {
    id: options.callId ?? logSafeId(),
    orgId: "org-1",
    type: "inboundPhoneCall",
    status: "in-progress",
    phoneNumberId: "pn-1",
    customer: { number: options.caller ?? "+15550001111" },
  };
}

export type ToolCallSpec = { id?: string; name: string; args?: unknown; shape?: "object" | "string" | "top-level" };

/** A `tool-calls` message. `args` are sent as a JSON string unless `shape` says otherwise. */
export function toolCallsMessage(calls: ToolCallSpec[], options: CallOptions & { list?: "toolCallList" | "toolCalls" } = {}) {
  const items = calls.map((c) => {
    const id = c.id ?? logSafeId(() => `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`);
    const args = c.args ?? {};
    if (c.shape === "top-level") return { id, type: "function", name: c.name, arguments: args };
    return { id, type: "function", function: { name: c.name, arguments: c.shape === "object" ? args : JSON.stringify(args) } };
  });
  const listKey = options.list ?? "toolCallList";
  const message: Record<string, unknown> = {
    type: "tool-calls",
    timestamp: Date.now(),
    call: call(options),
    customer: { number: options.caller ?? "+15550001111" },
    [listKey]: items,
  };
  if (listKey === "toolCallList") {
    message.toolWithToolCallList = items.map((toolCall) => ({
      type: "function",
      function: { name: (toolCall as { function?: { name: string } }).function?.name },
      toolCall,
    }));
  }
  return { message };
}

export function assistantRequest(options: CallOptions = {}) {
  return { message: { type: "assistant-request", timestamp: new Date().toISOString(), call: call(options) } };
}

export function statusUpdate(status: string, options: CallOptions = {}) {
  return { message: { type: "status-update", status, timestamp: String(Date.now()), call: call(options) } };
}

export function transferDestinationRequest(options: CallOptions = {}) {
  return { message: { type: "transfer-destination-request", timestamp: Date.now(), call: call(options) } };
}

/** An end-of-call report padded with transcript turns to about `bytes` bytes. */
export function endOfCallReport(bytes = 200_000, options: CallOptions = {}) {
  const turn = { role: "user", message: "I would like to know where my parcel is, it was due yesterday.", time: 0, secondsFromStart: 1.2 };
  const count = Math.ceil(bytes / JSON.stringify(turn).length);
  const messages = Array.from({ length: count }, (_, i) => ({ ...turn, time: i }));
  return {
    message: {
      type: "end-of-call-report",
      endedReason: "customer-ended-call",
      timestamp: Date.now(),
      call: call(options),
      cost: 0.12,
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      endedAt: new Date().toISOString(),
      analysis: { summary: "Caller asked about a parcel.", successEvaluation: "true" },
      artifact: { transcript: "AI: Hello\nUser: Hi", messages, recordingUrl: "https://example.com/rec.wav" },
    },
  };
}
