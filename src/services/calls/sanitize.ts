/**
 * What a call record's fields must be before Postgres sees them: text without NUL characters or
 * lone surrogates (Postgres and UTF-8 cannot hold them), of bounded length, and structured data
 * of bounded depth and size (a deeply nested value overflows the stack of every recursive walker,
 * Postgres's included). A field that breaks a rule is cut or dropped, never the record.
 */
import { wellFormedText } from "../../vapi/envelope.ts";

/** Longest text kept per field, in UTF-16 code units; longer text is cut and marked. */
export const TEXT_LIMITS = {
  endedReason: 200,
  status: 40,
  successEvaluation: 1_000,
  recordingUrl: 2_048,
  summary: 20_000,
  // An hour of conversation is about 60,000 characters.
  transcript: 500_000,
} as const;

/** Structured data: nesting kept to this depth (deeper values become null)... */
export const MAX_STRUCTURED_DEPTH = 16;
/** ...at most this many values in all (the rest are dropped)... */
export const MAX_STRUCTURED_VALUES = 5_000;
/** ...and strings (and keys) at most this long. */
export const MAX_STRUCTURED_STRING = 10_000;

const CUT_MARK = " [truncated]";
const PLAIN = { enumerable: true, writable: true, configurable: true } as const;

/** Text as Postgres can store it, at most `max` code units long (cut text ends with a mark). */
export function storableText(value: string, max: number): string {
  const clean = wellFormedText(value);
  if (clean.length <= max) return clean;
  // Cutting can split a surrogate pair: make the cut well-formed again.
  return wellFormedText(clean.slice(0, Math.max(0, max - CUT_MARK.length))) + CUT_MARK;
}

/**
 * A JSON value as Postgres's jsonb can store it: strings and keys storable, nesting at most
 * MAX_STRUCTURED_DEPTH deep (deeper containers become null), at most MAX_STRUCTURED_VALUES values.
 * Recursion is bounded by the depth limit, so any input depth is safe.
 */
export function storableJson(value: Record<string, unknown>): Record<string, unknown> {
  let budget = MAX_STRUCTURED_VALUES;
  const walk = (v: unknown, depth: number): unknown => {
    if (budget-- <= 0) return undefined;
    if (typeof v === "string") return storableText(v, MAX_STRUCTURED_STRING);
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (v === null || typeof v === "boolean") return v;
    if (typeof v !== "object") return undefined;
    if (depth >= MAX_STRUCTURED_DEPTH) return null;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) {
        if (budget <= 0) break;
        const kept = walk(item, depth + 1);
        out.push(kept === undefined ? null : kept);
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    // for-in stops early without listing every key of a huge object first.
    for (const k in v) {
      if (budget <= 0) break;
      if (!Object.hasOwn(v, k)) continue;
      const kept = walk((v as Record<string, unknown>)[k], depth + 1);
      // defineProperty: a "__proto__" key from JSON is data, not the object's prototype.
      if (kept !== undefined) Object.defineProperty(out, storableText(k, MAX_STRUCTURED_STRING), { value: kept, ...PLAIN });
    }
    return out;
  };
  return walk(value, 0) as Record<string, unknown>;
}
