/**
 * Redaction of personal data before a call record is stored. Transcripts and summaries are free
 * text from speech-to-text: card numbers, account and phone numbers, and e-mail addresses show up
 * in them in every spelling. Each is replaced by a marker that says what was there, so a reader
 * still understands the call: "[card number]", "[caller number]", "[email]", "[number]".
 *
 * Every pass is a hand-written scan, linear in the text: a transcript is caller-controlled and
 * can be megabytes long, and one backtracking pattern over it stalls the process for minutes.
 * Fields are capped at `MAX_REDACTED_FIELD_CHARS`, and nested data at `MAX_REDACTED_DEPTH`.
 *
 * What counts as a long number ("[number]"): a digit run (see ./card-numbers.ts) of 7 or more
 * digits, with these joins narrower than a card's: gaps of at most 3 characters, no "/" (dates,
 * fractions), a comma only with a space after it and only between two single digits or two groups
 * of 3 or more ("555, 010, 9999"; not "1,250,000" nor "slots 9, 10, 11, 14"). Groups touching a
 * letter belong to identifiers (tracking numbers, booking references) and are kept, as are ISO
 * dates.
 */
import { redactCardNumbers } from "./card-numbers.ts";
import { CARD_MARKER, SECRET_MARKER } from "./redaction/markers.ts";

/** Longest redacted field kept, in UTF-16 code units, marker included: close to four hours of speech. */
export const MAX_REDACTED_FIELD_CHARS = 200_000;
/** Ends a field cut at `MAX_REDACTED_FIELD_CHARS`. */
export const TRUNCATION_MARKER = "… [truncated]";
/** Deepest nesting `redactDeep` descends into; a deeper value becomes `TOO_DEEP_MARKER`. */
export const MAX_REDACTED_DEPTH = 32;
/** Most values (strings, numbers, containers) `redactDeep` visits; the rest become `TOO_DEEP_MARKER`. */
export const MAX_REDACTED_NODES = 100_000;
/** Stands for a value `redactDeep` did not read. */
export const TOO_DEEP_MARKER = "[truncated]";

export { CALLER_MARKER, CARD_MARKER, EMAIL_MARKER, NUMBER_MARKER, SECRET_MARKER } from "./redaction/markers.ts";

/**
 * The most text one field's redaction reads: a huge field costs bounded work, and the part kept
 * under the cap is redacted with context after it (a card cut at the cap is still seen whole).
 */
const MAX_SCANNED_CHARS = 4 * MAX_REDACTED_FIELD_CHARS;

export interface RedactionOptions {
  /** The caller's own number: replaced by "[caller number]" (it is kept in its own column). */
  callerNumber?: string | undefined;
  /**
   * The server's own secrets (`serverSecrets`): replaced by "[secret]" wherever they appear, before
   * anything else, so no later pass leaves part of one (a secret's digits read as "[number]").
   */
  secrets?: readonly string[] | undefined;
}

/** Replaces the server's secrets, card numbers (with expiry and CVV), the caller's number, e-mail addresses and long digit runs in free text. */
export function redactPersonalData(text: string, options: RedactionOptions = {}): string {
  // Postgres text cannot hold NUL characters; a stray one must not cost the whole call record.
  let out = text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  if (out.length > MAX_SCANNED_CHARS) out = cutBeforeToken(out, MAX_SCANNED_CHARS);
  for (const secret of options.secrets ?? []) if (out.includes(secret)) out = out.replaceAll(secret, SECRET_MARKER);
  // E-mails first: their local part may hold digits that must not become "[number]".
  out = redactEmails(out);
  if (options.callerNumber) out = redactCallerNumber(out, options.callerNumber);
  out = redactCardNumbers(out, CARD_MARKER);
  out = redactLongNumbers(out);
  return capLength(out);
}

/**
 * Redacts every string inside a JSON-like value (structured data from Vapi's analysis): values,
 * object keys, and numbers that redact to something else. It walks with its own stack, so no
 * nesting can exhaust the call stack; below `MAX_REDACTED_DEPTH`, or past `MAX_REDACTED_NODES`
 * values, what remains is replaced by `TOO_DEEP_MARKER` rather than stored unread.
 */
export function redactDeep<T>(value: T, options: RedactionOptions = {}): T {
  let result: unknown;
  const stack: Array<{ value: unknown; depth: number; put: (v: unknown) => void }> = [
    {
      value,
      depth: 0,
      put: (v) => {
        result = v;
      },
    },
  ];
  let nodes = 0;
  while (stack.length > 0) {
    const { value: v, depth, put } = stack.pop()!;
    if (++nodes > MAX_REDACTED_NODES) {
      put(TOO_DEEP_MARKER);
      continue;
    }
    if (typeof v === "string") {
      put(redactPersonalData(v, options));
    } else if (typeof v === "number" || typeof v === "bigint") {
      const text = String(v);
      const redacted = redactPersonalData(text, options);
      put(redacted === text ? v : redacted);
    } else if (v === null || typeof v !== "object") {
      put(v);
    } else if (depth >= MAX_REDACTED_DEPTH) {
      put(TOO_DEEP_MARKER);
    } else if (Array.isArray(v)) {
      const out: unknown[] = new Array(v.length);
      put(out);
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({
          value: v[i],
          depth: depth + 1,
          put: (x) => {
            out[i] = x;
          },
        });
      }
    } else {
      const out: Record<string, unknown> = {};
      put(out);
      const entries = Object.entries(v);
      const keys = entries.map(([key]) => uniqueKey(out, redactPersonalData(key, options)));
      for (let i = entries.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({
          value: entries[i]![1],
          depth: depth + 1,
          put: (x) => {
            out[key] = x;
          },
        });
      }
    }
  }
  return result as T;
}

/** A key not yet in `out` (two keys can redact to the same marker), reserved in insertion order. */
function uniqueKey(out: Record<string, unknown>, key: string): string {
  let candidate = key;
  for (let n = 2; Object.hasOwn(out, candidate); n++) candidate = `${key} (${n})`;
  // Defined, not assigned: a "__proto__" key from parsed JSON stays a plain property.
  Object.defineProperty(out, candidate, { value: undefined, writable: true, enumerable: true, configurable: true });
  return candidate;
}

/** Cuts `text` to the field cap, ending with `TRUNCATION_MARKER`. */
function capLength(text: string): string {
  if (text.length <= MAX_REDACTED_FIELD_CHARS) return text;
  let cut = MAX_REDACTED_FIELD_CHARS - TRUNCATION_MARKER.length;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--; // never split a surrogate pair
  return text.slice(0, cut) + TRUNCATION_MARKER;
}

/**
 * Cuts `text` near `limit`, before the token that straddles the cut and any digits and
 * separators before it, so no half of a number is left where its redaction can't see it.
 * Looks back a bounded distance; past it, a plain cut.
 */
function cutBeforeToken(text: string, limit: number): string {
  let cut = limit;
  const floor = limit - 256;
  while (cut > floor && !isSpace(text.charCodeAt(cut - 1))) cut--;
  while (cut > floor && isNumberish(text.charCodeAt(cut - 1))) cut--;
  return text.slice(0, cut > floor ? cut : limit);
}

import {
  findEmails,
  findLongNumbers,
  isNumberish,
  isSpace,
  redactCallerNumber,
  redactEmails,
  redactLongNumbers,
} from "./redaction/text-scans.ts";

export { findEmails, findLongNumbers, redactCallerNumber, redactEmails, redactLongNumbers };
