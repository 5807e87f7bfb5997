/** Realistic Vapi server messages, shaped like payloads captured from real calls. */
import { randomBytes, randomUUID } from "node:crypto";

/**
 * Ids for test messages that never hold a long digit run: random hex can pass for a Luhn-valid
 * card number, which the run-wide log scan rightly flags. A UUID whose groups each start with a
 * letter has no run longer than twelve digits; base64url practically never has thirteen in a row.
 */
export const testCallId = () => randomUUID().replace(/(^|-)[0-9a-f]/g, (m) => `${m.slice(0, -1)}a`);
export const testToolCallId = () => `call_${randomBytes(12).toString("base64url")}`;

export interface CallOptions {
  callId?: string;
  caller?: string;
}

function call(options: CallOptions) {
  return {
    id: options.callId ?? testCallId(),
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
    const id = c.id ?? testToolCallId();
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
