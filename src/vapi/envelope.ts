/**
 * Parsing of Vapi's server-message envelope. Vapi's wire format is looser than its SDK types
 * (see docs/vapi-protocol-notes in the README): this module is tolerant exactly where Vapi is
 * inconsistent and strict nowhere else, and turns every shape into one normalized form.
 */
import { z } from "zod";

// Only `type` is required. Every other field Switchboard reads degrades to "absent" when it has
// an unexpected shape, so a malformed detail never costs the caller an answer.
const timestamp = z.union([z.number(), z.string()]).optional().catch(undefined);
const text = z.string().optional().catch(undefined);

const customer = z.looseObject({ number: text, name: text }).optional().catch(undefined);

const call = z
  .looseObject({
    id: text,
    customer,
    phoneNumberId: text,
    monitor: z.looseObject({ controlUrl: text }).optional().catch(undefined),
  })
  .optional()
  .catch(undefined);

/** The part of every message Switchboard reads; everything else passes through untouched. */
export const messageSchema = z.looseObject({
  type: z.string().min(1),
  timestamp,
  call,
  customer,
});

export const envelopeSchema = z.object({ message: messageSchema });

export type VapiMessage = z.infer<typeof messageSchema>;

/** Facts about the call that come from Vapi itself and can be trusted (never from model arguments). */
export interface CallFacts {
  callId: string | undefined;
  /** The caller's number in E.164, from `message.call.customer.number`. */
  callerNumber: string | undefined;
  phoneNumberId: string | undefined;
  /** The message time in epoch milliseconds, whether Vapi sent a number or a string. */
  timestampMs: number | undefined;
}

export function callFacts(message: VapiMessage): CallFacts {
  return {
    callId: message.call?.id,
    callerNumber: message.call?.customer?.number ?? message.customer?.number,
    phoneNumberId: message.call?.phoneNumberId,
    timestampMs: parseTimestamp(message.timestamp),
  };
}

/** Vapi sends epoch milliseconds, epoch seconds as a string, or an ISO date: all are accepted. */
export function parseTimestamp(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? plausible(toMs(value)) : undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return plausible(toMs(Number(trimmed)));
  const parsed = Date.parse(trimmed);
  return Number.isNaN(parsed) ? undefined : plausible(parsed);
}

// A timestamp outside 2000..2200 is a bug or an attack, not a time: treat it as absent.
const plausible = (ms: number) => (ms >= 946_684_800_000 && ms < 7_258_118_400_000 ? ms : undefined);

// Ten-digit epochs are seconds (until 2286); longer ones are milliseconds.
const toMs = (n: number) => (n < 1e11 ? Math.round(n * 1000) : Math.round(n));

/** A tool call in one shape, whichever of Vapi's shapes it arrived in. */
export interface NormalizedToolCall {
  toolCallId: string;
  name: string;
  /** Parsed arguments, or a reason they could not be read. */
  args: { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };
}

const rawToolCall = z.looseObject({
  id: z.string().min(1),
  function: z.looseObject({ name: z.string().optional(), arguments: z.unknown().optional() }).optional(),
  name: z.string().optional(),
  arguments: z.unknown().optional(),
  parameters: z.unknown().optional(),
});

/**
 * Reads the tool calls of a `tool-calls` message: `toolCallList` first, then `toolCalls`.
 * Items whose shape is unusable (no id) are returned in `unusable`: they cannot be answered,
 * because Vapi matches results by id.
 */
export function readToolCalls(message: VapiMessage): { calls: NormalizedToolCall[]; unusable: number } {
  const list = pickList(message.toolCallList) ?? pickList(message.toolCalls) ?? [];
  const calls: NormalizedToolCall[] = [];
  let unusable = 0;
  for (const item of list) {
    const parsed = rawToolCall.safeParse(item);
    if (!parsed.success) {
      unusable++;
      continue;
    }
    const raw = parsed.data;
    const name = raw.function?.name ?? raw.name ?? "";
    const argSource = raw.function?.arguments ?? raw.arguments ?? raw.parameters;
    calls.push({ toolCallId: raw.id, name, args: readArguments(argSource) });
  }
  return { calls, unusable };
}

function pickList(value: unknown): unknown[] | undefined {
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

function readArguments(value: unknown): NormalizedToolCall["args"] {
  if (value === undefined || value === null || value === "") return { ok: true, value: {} };
  if (typeof value === "string") {
    try {
      return readArguments(JSON.parse(value) as unknown);
    } catch {
      return { ok: false, reason: "The tool arguments were not valid JSON." };
    }
  }
  if (typeof value === "object" && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
  return { ok: false, reason: "The tool arguments must be a JSON object." };
}
