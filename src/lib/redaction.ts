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
import {
  type DigitGap,
  type DigitGroup,
  digitValue,
  redactCardNumbers,
  replaceSpans,
  scanDigitGroups,
  type TextSpan,
} from "./card-numbers.ts";

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

/** What replaces each kind of personal data; a reader of the record still sees what was said. */
export const CARD_MARKER = "[card number]";
export const CALLER_MARKER = "[caller number]";
export const EMAIL_MARKER = "[email]";
export const NUMBER_MARKER = "[number]";

/** Shortest digit run redacted as "[number]" (a phone number without area code). */
const MIN_LONG_NUMBER_DIGITS = 7;
const MAX_NUMBER_GAP_CHARS = 3;
/**
 * The most text one field's redaction reads: a huge field costs bounded work, and the part kept
 * under the cap is redacted with context after it (a card cut at the cap is still seen whole).
 */
const MAX_SCANNED_CHARS = 4 * MAX_REDACTED_FIELD_CHARS;

export interface RedactionOptions {
  /** The caller's own number: replaced by "[caller number]" (it is kept in its own column). */
  callerNumber?: string | undefined;
}

/** Replaces card numbers (with expiry and CVV), the caller's number, e-mail addresses and long digit runs in free text. */
export function redactPersonalData(text: string, options: RedactionOptions = {}): string {
  // Postgres text cannot hold NUL characters; a stray one must not cost the whole call record.
  let out = text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
  if (out.length > MAX_SCANNED_CHARS) out = cutBeforeToken(out, MAX_SCANNED_CHARS);
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

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x202f || c === 0x3000;
}

function isNumberish(c: number): boolean {
  return isSpace(c) || digitValue(c) >= 0 || c === 0x2e || c === 0x2c || c === 0x2d || c === 0x2f;
}

// ---------------------------------------------------------------------------------------------
// E-mail addresses: found from each "@" outwards, never by a pattern tried at every position.

function isLocalChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 0x2e || c === 0x5f || c === 0x25 || c === 0x2b || c === 0x2d; // . _ % + -
}

function isDomainChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 0x2e || c === 0x2d;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || (c >= 0x30 && c <= 0x39);
}

/**
 * Spans of e-mail addresses: local part, "@", a domain ending in "." and two or more letters (the
 * same addresses as `[\w.%+-]+@[\w.-]+\.[A-Za-z]{2,}`). Linear: the local part of an "@" is read
 * back only to the previous "@" or match, and its domain forward only to the next "@".
 */
export function findEmails(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  let floor = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    if (at < floor) continue;
    let start = at;
    while (start > floor && isLocalChar(text.charCodeAt(start - 1))) start--;
    if (start === at) continue;
    let domainEnd = at + 1;
    while (domainEnd < text.length && isDomainChar(text.charCodeAt(domainEnd))) domainEnd++;
    // The last "." in the domain with two letters after it ends the address, as greedy matching would.
    let end = -1;
    for (let dot = domainEnd - 3; dot >= at + 2; dot--) {
      if (text.charCodeAt(dot) === 0x2e && isAsciiLetter(text.charCodeAt(dot + 1)) && isAsciiLetter(text.charCodeAt(dot + 2))) {
        end = dot + 3;
        while (end < domainEnd && isAsciiLetter(text.charCodeAt(end))) end++;
        break;
      }
    }
    if (end < 0) continue;
    spans.push({ start, end });
    floor = end;
  }
  return spans;
}

/** Replaces e-mail addresses with "[email]". */
export function redactEmails(text: string): string {
  return replaceSpans(text, findEmails(text), EMAIL_MARKER);
}

// ---------------------------------------------------------------------------------------------
// The caller's own number.

/** Characters allowed between two digits of a written phone number: "+1 (555) 123-4567". */
function isPhoneSeparator(c: number): boolean {
  return isSpace(c) || c === 0x2e || c === 0x2d || c === 0x28 || c === 0x29 || c === 0x2f || c === 0x2013 || c === 0x2014 || c === 0x2011;
}
const MAX_PHONE_SEPARATORS = 3;

/** End of `digits` written at `i` with up to three separators between digits, or -1. */
function matchDigitsAt(text: string, i: number, digits: string): number {
  let at = i;
  for (let k = 0; k < digits.length; k++) {
    if (k > 0) {
      let seps = 0;
      while (seps < MAX_PHONE_SEPARATORS && at < text.length && isPhoneSeparator(text.charCodeAt(at))) {
        at++;
        seps++;
      }
    }
    const cp = text.codePointAt(at);
    if (cp === undefined || digitValue(cp) !== digits.charCodeAt(k) - 0x30) return -1;
    at += cp > 0xffff ? 2 : 1;
  }
  const after = text.codePointAt(at);
  return after !== undefined && digitValue(after) >= 0 ? -1 : at;
}

/**
 * Replaces the caller's number, written with or without its country code and with any common
 * separators, with "[caller number]". Each digit that starts a number is tried once per form,
 * and each try reads at most four characters per digit.
 */
export function redactCallerNumber(text: string, callerNumber: string): string {
  let caller = "";
  for (const ch of callerNumber) {
    const d = digitValue(ch.codePointAt(0)!);
    if (d >= 0) caller += String(d);
  }
  if (caller.length < 7) return text;
  const forms = caller.length > 10 ? [caller, caller.slice(-10)] : [caller];
  const spans: TextSpan[] = [];
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const before = i > 0 ? text.codePointAt(i - 1)! : -1;
    if (digitValue(cp) < 0 || (before >= 0 && digitValue(before) >= 0)) {
      i += width;
      continue;
    }
    let end = -1;
    for (const form of forms) {
      end = matchDigitsAt(text, i, form);
      if (end >= 0) break;
    }
    if (end < 0) {
      i += width;
      continue;
    }
    let start = i;
    if (text.charCodeAt(start - 1) === 0x28) start--; // "(555) ..."
    if (text.charCodeAt(start - 1) === 0x2b) start--; // "+1 ..."
    spans.push({ start, end });
    i = end;
  }
  return replaceSpans(text, spans, CALLER_MARKER);
}

// ---------------------------------------------------------------------------------------------
// Long digit runs: account, phone and ID numbers.

function numberGapJoins(gap: DigitGap, before: DigitGroup, after: DigitGroup): boolean {
  if (gap.chars > MAX_NUMBER_GAP_CHARS || gap.slash) return false;
  if (!gap.comma) return true;
  if (!gap.space) return false; // "1,250,000": thousands, an amount
  return (before.size === 1 && after.size === 1) || (before.size >= 3 && after.size >= 3);
}

/** Spans of digit runs of 7 or more digits (see the module comment for what joins a run). */
export function findLongNumbers(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  let first: DigitGroup | undefined;
  let last: DigitGroup | undefined;
  let digits = 0;
  const close = () => {
    if (first && last && digits >= MIN_LONG_NUMBER_DIGITS) {
      const start = text.charCodeAt(first.start - 1) === 0x2b ? first.start - 1 : first.start; // "+44 ..."
      const previous = spans.at(-1);
      if (previous && start <= previous.end) previous.end = Math.max(previous.end, last.end);
      else spans.push({ start, end: last.end });
    }
    first = undefined;
    last = undefined;
    digits = 0;
  };
  scanDigitGroups(text, (group, gap) => {
    if (group.glued) {
      close();
      return true;
    }
    if (!first || !last || gap === undefined || !numberGapJoins(gap, last, group)) close();
    first ??= group;
    last = group;
    digits += group.size;
    return true;
  });
  close();
  return spans;
}

/** Replaces runs of 7 or more digits with "[number]". */
export function redactLongNumbers(text: string): string {
  return replaceSpans(text, findLongNumbers(text), NUMBER_MARKER);
}
