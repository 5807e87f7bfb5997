/** The characters and words the card scanner reads: separators, digits of any script, digit and filler words, UUIDs and ISO dates to skip. */
export const CARD_DIGITS = { min: 13, max: 19 } as const;

/** Most separator characters between two digit groups of one run ("4111 - 1111" has three). */
export const MAX_GAP_CHARS = 16;
/** Most separator characters between "double"/"triple" and the digit it repeats. */
export const MAX_MULTIPLIER_GAP_CHARS = 3;

/** Where a match sits in the original text: `text.slice(start, end)`. */
export interface TextSpan {
  start: number;
  end: number;
}

/** One group of a digit run, as the scanner hands it to a consumer. */
export interface DigitGroup {
  /** The group's digits in ASCII; only the first 20 are kept (a longer group is never a card). */
  digits: string;
  /** How many digits the group has. */
  size: number;
  start: number;
  end: number;
  /** A letter or underscore touches the group: it is part of an identifier such as "1Z999AA1...". */
  glued: boolean;
  /** The group was said as a digit word. */
  spoken: boolean;
  /** A "+" comes right before the group: a phone number in international format, never a card. */
  plus: boolean;
}

/** What lies between a group and the previous one of the same run. */
export interface DigitGap {
  /** Separator characters (filler words not counted). */
  chars: number;
  space: boolean;
  comma: boolean;
  slash: boolean;
  /** Hesitation or spoken-punctuation words ("uh", "dash"). */
  fillers: number;
}

// Separator kinds, as bits so a gap can remember which it has seen.
export const SEP_SPACE = 1;
export const SEP_COMMA = 2;
export const SEP_SLASH = 4;
export const SEP_DOT_OR_DASH = 8;

export function separatorKind(cp: number): number {
  if (cp < 0x80) {
    // Parentheses group digits as spaces do: "(4111) (1111) (1111) (1111)".
    if (cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x28 || cp === 0x29) return SEP_SPACE;
    if (cp === 0x2c) return SEP_COMMA;
    if (cp === 0x2f) return SEP_SLASH;
    if (cp === 0x2e || cp === 0x2d) return SEP_DOT_OR_DASH;
    return 0;
  }
  if (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0xad ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200d) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x2060 ||
    cp === 0x3000 ||
    cp === 0xfeff
  ) {
    return SEP_SPACE;
  }
  if (cp === 0xff0c || cp === 0x3001 || cp === 0xfe50) return SEP_COMMA;
  if (cp === 0xff0f || cp === 0x2044 || cp === 0x2215) return SEP_SLASH;
  if (
    (cp >= 0x2010 && cp <= 0x2015) ||
    cp === 0x2212 ||
    cp === 0xfe58 ||
    cp === 0xfe63 ||
    cp === 0xff0d ||
    cp === 0xff0e ||
    cp === 0x3002 ||
    cp === 0xb7 ||
    cp === 0x2024 ||
    cp === 0x2027 ||
    cp === 0x30fb
  ) {
    return SEP_DOT_OR_DASH;
  }
  return 0;
}

export const UNICODE_DIGIT = /\p{Nd}/u;
export const UNICODE_LETTER = /[\p{L}\p{M}]/u;
// Deliberate module-level cache: the value of each non-ASCII decimal digit met so far. Unicode
// has about 700 of them, so it stays small, and it spares a walk back to the block's zero.
export const digitValues = new Map<number, number>();

/** The value of a decimal digit of any script (0-9), or -1 for anything else. */
export function digitValue(cp: number): number {
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  if (cp < 0x80) return -1;
  if (cp >= 0xff10 && cp <= 0xff19) return cp - 0xff10;
  const known = digitValues.get(cp);
  if (known !== undefined) return known;
  if (!UNICODE_DIGIT.test(String.fromCodePoint(cp))) return -1;
  // Unicode encodes every decimal digit set as ten contiguous code points from zero, and sets
  // that touch are whole sets: the distance to the start of the contiguous block, mod 10, is the value.
  let back = 0;
  while (back < 100 && UNICODE_DIGIT.test(String.fromCodePoint(cp - back - 1))) back++;
  const value = back % 10;
  digitValues.set(cp, value);
  return value;
}

export function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

export function isAsciiDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

export function isHex(c: number): boolean {
  return isAsciiDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Letters (any script), digits (any script) and underscore: what an identifier is made of. */
export function isWordChar(cp: number): boolean {
  if (cp < 0x80) return isAsciiLetter(cp) || isAsciiDigit(cp) || cp === 0x5f;
  return digitValue(cp) >= 0 || UNICODE_LETTER.test(String.fromCodePoint(cp));
}

export function codePointBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

export function isLetterOrUnderscore(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 0x80) return isAsciiLetter(cp) || cp === 0x5f;
  return digitValue(cp) < 0 && UNICODE_LETTER.test(String.fromCodePoint(cp));
}

/** Length of a UUID (8-4-4-4-12 hex) starting at `i` and ending at a non-word character, else 0. */
export function uuidLength(text: string, i: number): number {
  if (i + 36 > text.length) return 0;
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k);
    const dash = k === 8 || k === 13 || k === 18 || k === 23;
    if (dash ? c !== 0x2d : !isHex(c)) return 0;
  }
  const after = text.codePointAt(i + 36);
  return after !== undefined && isWordChar(after) ? 0 : 36;
}

export function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  return isAsciiDigit(a) && isAsciiDigit(b) ? (a - 0x30) * 10 + (b - 0x30) : -1;
}

/**
 * Length of an ISO date (YYYY-MM-DD, years 1900-2099) starting at `i`, else 0. It may be followed
 * by "T" and a time, never by another digit or "-digit" (then it is part of a longer number).
 */
export function isoDateLength(text: string, i: number): number {
  if (i + 10 > text.length) return 0;
  const century = twoDigits(text, i);
  if ((century !== 19 && century !== 20) || twoDigits(text, i + 2) < 0) return 0;
  if (text.charCodeAt(i + 4) !== 0x2d || text.charCodeAt(i + 7) !== 0x2d) return 0;
  const month = twoDigits(text, i + 5);
  const day = twoDigits(text, i + 8);
  if (month < 1 || month > 12 || day < 1 || day > 31) return 0;
  if (i >= 2 && text.charCodeAt(i - 1) === 0x2d && digitValue(codePointBefore(text, i - 1)) >= 0) return 0;
  const after = text.codePointAt(i + 10);
  if (after === undefined) return 10;
  if (after === 0x54) return 10; // "T" and a time
  if (isWordChar(after)) return 0;
  if (after === 0x2d) {
    const next = text.codePointAt(i + 11);
    if (next !== undefined && digitValue(next) >= 0) return 0;
  }
  return 10;
}

export const DIGIT_WORDS: ReadonlyMap<string, number> = new Map([
  ["zero", 0],
  ["oh", 0],
  ["o", 0],
  ["nought", 0],
  ["one", 1],
  ["two", 2],
  ["three", 3],
  ["four", 4],
  ["five", 5],
  ["six", 6],
  ["seven", 7],
  ["eight", 8],
  ["nine", 9],
  ["niner", 9],
]);
export const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ["double", 2],
  ["triple", 3],
]);
export const FILLER_WORDS: ReadonlySet<string> = new Set([
  "uh",
  "uhh",
  "uhm",
  "um",
  "umm",
  "er",
  "erm",
  "ah",
  "hm",
  "hmm",
  "mm",
  "dash",
  "hyphen",
  "dot",
  "slash",
  "space",
]);
/** Longest word the scanner compares (longer ones are never digit or filler words). */
export const MAX_KEYWORD_LENGTH = 8;

/**
 * Receives each digit group in text order. `gap` is undefined when the group starts a new run;
 * otherwise it describes what separates the group from the previous one (valid during the call
 * only: the scanner reuses it). Return false to stop.
 */
