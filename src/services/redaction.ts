/**
 * Redaction of personal data before a call record is stored. Transcripts and summaries are
 * free text from speech-to-text: card numbers, account numbers, phone numbers and e-mail
 * addresses show up in them as digit runs (often split by spaces) and addresses. They are
 * replaced by a marker that says what was there, so a reader still understands the call.
 */

/** 13-19 digits, optionally split by single spaces, dashes or dots: card-number shaped. */
const CARD = /(?<![\w+])\d(?:[ .-]?\d){12,18}(?!\w)/g;
/** Any other run of 7 or more digits (account, phone, ID numbers), same separators, optional leading "+". */
const LONG_DIGITS = /(?<![\w+])\+?\d(?:[ .-]?\d){6,}(?!\w)/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Calendar dates are digit runs too, but carry no personal data and matter in summaries. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface RedactionOptions {
  /** The caller's own number: replaced by "[caller number]" (it is kept in its own column). */
  callerNumber?: string | undefined;
}

/** Replaces card numbers, long digit runs, e-mail addresses and the caller's number in free text. */
export function redactPersonalData(text: string, options: RedactionOptions = {}): string {
  // Postgres text cannot hold NUL characters; a stray one must not cost the whole call record.
  let out = text.replaceAll("\u0000", "");
  const caller = options.callerNumber?.replace(/\D/g, "");
  if (caller && caller.length >= 7) {
    // The caller's number as spoken or formatted: its digits with optional separators, with or without the country code.
    const local = caller.length > 10 ? caller.slice(-10) : caller;
    const pattern = new RegExp(`(?<!\\d)(?:\\+?${spaced(caller)}|${spaced(local)})(?!\\d)`, "g");
    out = out.replace(pattern, "[caller number]");
  }
  out = out.replace(EMAIL, "[email]");
  out = out.replace(CARD, "[card number]");
  out = out.replace(LONG_DIGITS, (match) => (ISO_DATE.test(match) ? match : "[number]"));
  return out;
}

function spaced(digits: string): string {
  return digits.split("").join("[ .()-]{0,2}");
}

/** Redacts every string inside a JSON-like value (structured data from Vapi's analysis). */
export function redactDeep<T>(value: T, options: RedactionOptions = {}, depth = 0): T {
  if (typeof value === "string") return redactPersonalData(value, options) as T;
  if (value === null || typeof value !== "object" || depth > 20) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, options, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, options, depth + 1);
  return out as T;
}
