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

/**
 * The longest id kept as it came. Ids become database keys (a Postgres btree entry holds at most
 * about 2.7 KB) and cache keys; Vapi's are UUIDs or `call_` plus 24 characters.
 */
export const MAX_ID_CHARS = 128;
/** An E.164 number has at most 16 characters; a SIP address as caller is longer but not this long. */
export const MAX_CALLER_NUMBER_CHARS = 64;

/**
 * An id as a key: NUL removed (Postgres text cannot hold it), lone surrogates replaced (they
 * cannot be encoded), and a longer id cut and suffixed with a hash of the whole, so every
 * delivery of the same id maps to the same key and two long ids sharing a prefix stay apart.
 */
export function idAsKey(raw: string): string | undefined {
  const clean = wellFormedText(raw);
  if (clean.length === 0) return undefined;
  if (clean.length <= MAX_ID_CHARS) return clean;
  return `${clean.slice(0, MAX_ID_CHARS - 17)}~${hash64(clean)}`;
}

/** Without NUL characters and lone surrogates: what Postgres and UTF-8 can hold. */
export function wellFormedText(raw: string): string {
  const noNul = raw.includes("\u0000") ? raw.replaceAll("\u0000", "") : raw;
  // ES2024 methods (Node 20, workerd); the project's TypeScript lib is ES2023.
  const text = noNul as unknown as { isWellFormed(): boolean; toWellFormed(): string };
  return text.isWellFormed() ? noNul : text.toWellFormed();
}

/** 64 bits of FNV-1a (two 32-bit lanes) as 16 hex digits: a stable fingerprint, not a secret. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

const key = z
  .string()
  .optional()
  .catch(undefined)
  .transform((v) => (v === undefined ? undefined : idAsKey(v)));

// A caller number too long to be one is treated as unknown: it would be a key (caller memory, cache).
const callerNumber = z
  .string()
  .optional()
  .catch(undefined)
  .transform((v) => {
    if (v === undefined) return undefined;
    const clean = wellFormedText(v).trim();
    return clean.length > 0 && clean.length <= MAX_CALLER_NUMBER_CHARS ? clean : undefined;
  });

const customer = z.looseObject({ number: callerNumber, name: text }).optional().catch(undefined);

const call = z
  .looseObject({
    id: key,
    customer,
    phoneNumberId: key,
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
  // An id that cannot be echoed back exactly as a key (too long, NUL, lone surrogate) cannot be
  // answered either: Vapi matches results by id. Such an item is unusable, like one without an id.
  id: z
    .string()
    .min(1)
    .max(MAX_ID_CHARS)
    .refine((id) => wellFormedText(id) === id),
  function: z.looseObject({ name: z.string().optional(), arguments: z.unknown().optional() }).optional(),
  name: z.string().optional(),
  arguments: z.unknown().optional(),
  parameters: z.unknown().optional(),
});

/** Function names are at most 64 characters on Vapi; a longer one is no tool here and is echoed cut. */
const MAX_NAME_CHARS = 128;

/** How many calls of one message are answered at most, for a given number that may run. */
export const answeredToolCalls = (maxRun: number) => maxRun * 4;

export interface ToolCallList {
  calls: NormalizedToolCall[];
  /** Items that cannot be answered (no usable id). */
  unusable: number;
  /**
   * Set (to the list's length) when the list is longer than `answeredToolCalls(maxRun)`: none of
   * its calls may run, and only that many are read (to answer each with a refusal).
   */
  oversized: number | undefined;
}

const NOT_RUN: NormalizedToolCall["args"] = { ok: false, reason: "Not run: too many tool calls in one message." };

/**
 * Reads the tool calls of a `tool-calls` message: `toolCallList` first, then `toolCalls`.
 * Items whose shape is unusable (no id) are returned in `unusable`: they cannot be answered,
 * because Vapi matches results by id. Arguments are parsed only for the first `maxRun` calls
 * (the ones that may run), and a list longer than `answeredToolCalls(maxRun)` is read no further
 * than that: its size, not its content, decides what it costs.
 */
export function readToolCalls(message: VapiMessage, maxRun = DEFAULT_MAX_RUN): ToolCallList {
  const list = pickList(message.toolCallList) ?? pickList(message.toolCalls) ?? [];
  const limit = answeredToolCalls(maxRun);
  const oversized = list.length > limit ? list.length : undefined;
  const calls: NormalizedToolCall[] = [];
  let unusable = 0;
  for (let i = 0; i < Math.min(list.length, limit); i++) {
    const parsed = rawToolCall.safeParse(list[i]);
    if (!parsed.success) {
      unusable++;
      continue;
    }
    const raw = parsed.data;
    const name = raw.function?.name ?? raw.name ?? "";
    const runs = oversized === undefined && calls.length < maxRun;
    calls.push({
      toolCallId: raw.id,
      name: name.length > MAX_NAME_CHARS ? name.slice(0, MAX_NAME_CHARS) : name,
      args: runs ? readArguments(raw.function?.arguments ?? raw.arguments ?? raw.parameters) : NOT_RUN,
    });
  }
  return { calls, unusable, oversized };
}

/** MAX_TOOL_CALLS_PER_MESSAGE's default, for callers without the configuration. */
const DEFAULT_MAX_RUN = 16;

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
