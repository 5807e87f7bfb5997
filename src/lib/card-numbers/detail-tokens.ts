/** Words and numbers around a card, read as an expiry date or a security code (CVV/CVC). */
import { DIGIT_WORDS, digitValue, isAsciiLetter, SEP_SPACE, separatorKind, type TextSpan } from "./characters.ts";

export const DETAIL_CONTEXT_CHARS = 160;
export const DETAIL_CONTEXT_WORDS = 16;

export const NUM = 0;
export const WORD = 1;
export const MARK = 2;
export interface Token {
  kind: typeof NUM | typeof WORD | typeof MARK;
  /** ASCII digits for a number, the lower-case word, or the mark character. */
  text: string;
  start: number;
  end: number;
}

export function tokenize(text: string, from: number, to: number): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (separatorKind(cp) === SEP_SPACE) {
      i += width;
      continue;
    }
    const start = i;
    if (digitValue(cp) >= 0) {
      let digits = "";
      while (i < to) {
        const c = text.codePointAt(i)!;
        const d = digitValue(c);
        if (d < 0) break;
        if (digits.length < 8) digits += String.fromCharCode(0x30 + d);
        i += c > 0xffff ? 2 : 1;
      }
      tokens.push({ kind: NUM, text: digits, start, end: i });
    } else if (isAsciiLetter(cp)) {
      // "it's" is one word: an apostrophe between letters stays inside it
      while (i < to && (isAsciiLetter(text.charCodeAt(i)) || (isApostrophe(text.charCodeAt(i)) && isAsciiLetter(text.charCodeAt(i + 1)))))
        i++;
      const word = i - start <= 16 ? text.slice(start, i).toLowerCase() : "";
      tokens.push({ kind: WORD, text: word, start, end: i });
    } else {
      i += width;
      tokens.push({ kind: MARK, text: String.fromCodePoint(cp), start, end: i });
    }
  }
  return tokens;
}

export function isApostrophe(c: number): boolean {
  return c === 0x27 || c === 0x2019;
}

export const EXPIRY = 1;
export const CVV = 2;
export const EXPIRY_WORDS: ReadonlySet<string> = new Set(["exp", "expiry", "expires", "expiration", "expiring", "expire"]);
export const CVV_WORDS: ReadonlySet<string> = new Set(["cvv", "cvc", "cid", "csc", "cvn", "cav", "pin"]);
export const VALID_WORDS: ReadonlySet<string> = new Set(["valid", "good"]);
export const THROUGH_WORDS: ReadonlySet<string> = new Set(["thru", "through", "until", "till"]);
export const CODE_WORDS: ReadonlySet<string> = new Set(["code", "number", "value", "digits"]);
/** Words and marks that may sit between a keyword and its value ("expiry date is: 12/28"). */
export const FILLERS_AFTER_KEYWORD: ReadonlySet<string> = new Set([
  "date",
  "is",
  "on",
  "of",
  "the",
  "at",
  "in",
  "back",
  "number",
  "code",
  "digits",
  "its",
  "it's",
  "it’s",
  "it",
  ":",
  "-",
  ",",
  ".",
  "#",
  "=",
]);
export const MAX_FILLERS_AFTER_KEYWORD = 5;
/** Words that may join a card and its details into one redaction ("4111..., and the expiry is 12/28"). */
export const CONNECTOR_WORDS: ReadonlySet<string> = new Set([
  ...FILLERS_AFTER_KEYWORD,
  ...EXPIRY_WORDS,
  ...CVV_WORDS,
  ...VALID_WORDS,
  ...THROUGH_WORDS,
  ...CODE_WORDS,
  "and",
  "with",
  "security",
  "verification",
  "card",
  "uh",
  "um",
  "er",
  "/",
  ";",
]);
export const MONTH_NAMES: ReadonlySet<string> = new Set([
  "january",
  "jan",
  "february",
  "feb",
  "march",
  "mar",
  "april",
  "apr",
  "may",
  "june",
  "jun",
  "july",
  "jul",
  "august",
  "aug",
  "september",
  "sept",
  "sep",
  "october",
  "oct",
  "november",
  "nov",
  "december",
  "dec",
]);
export const TEEN_WORDS: ReadonlyMap<string, number> = new Map([
  ["ten", 10],
  ["eleven", 11],
  ["twelve", 12],
  ["thirteen", 13],
  ["fourteen", 14],
  ["fifteen", 15],
  ["sixteen", 16],
  ["seventeen", 17],
  ["eighteen", 18],
  ["nineteen", 19],
]);
export const TENS_WORDS: ReadonlyMap<string, number> = new Map([
  ["twenty", 20],
  ["thirty", 30],
  ["forty", 40],
  ["fifty", 50],
  ["sixty", 60],
  ["seventy", 70],
  ["eighty", 80],
  ["ninety", 90],
]);
export const DATE_SEPARATORS: ReadonlySet<string> = new Set(["/", "-", ".", "slash", "of", "dash"]);

export function wordAt(tokens: readonly Token[], k: number): string | undefined {
  const t = tokens[k];
  return t?.kind === WORD ? t.text : undefined;
}

export function numAt(tokens: readonly Token[], k: number): string | undefined {
  const t = tokens[k];
  return t?.kind === NUM ? t.text : undefined;
}

export function digitWordAt(tokens: readonly Token[], k: number): number | undefined {
  const word = wordAt(tokens, k);
  return word === undefined ? undefined : DIGIT_WORDS.get(word);
}

/** A single digit said as a word or written as one digit. */
export function singleDigitAt(tokens: readonly Token[], k: number): boolean {
  const num = numAt(tokens, k);
  return num !== undefined ? num.length === 1 : digitWordAt(tokens, k) !== undefined;
}

/** Month as a number (1-12), a name, "oh four", "four" or "twelve": index after it, or -1. */
export function parseMonth(tokens: readonly Token[], k: number, spoken: boolean): number {
  const num = numAt(tokens, k);
  if (num !== undefined) return num.length <= 2 && Number(num) >= 1 && Number(num) <= 12 ? k + 1 : -1;
  if (!spoken) return -1;
  const word = wordAt(tokens, k);
  if (word === undefined) return -1;
  if (MONTH_NAMES.has(word)) return k + 1;
  const digit = DIGIT_WORDS.get(word);
  if (digit === 0) {
    const next = digitWordAt(tokens, k + 1);
    return next !== undefined && next > 0 ? k + 2 : -1;
  }
  if (digit !== undefined) {
    // "one two" is December said digit by digit
    const next = digitWordAt(tokens, k + 1);
    return digit === 1 && next !== undefined && next <= 2 && digitWordAt(tokens, k + 2) !== undefined ? k + 2 : k + 1;
  }
  const teen = TEEN_WORDS.get(word);
  return teen !== undefined && teen <= 12 ? k + 1 : -1;
}

/** Two digits said as words: "twenty eight", "thirty", "eleven", "two eight". Index after, or -1. */
export function parseTwoDigitWords(tokens: readonly Token[], k: number): number {
  const word = wordAt(tokens, k);
  if (word === undefined) return -1;
  if (TENS_WORDS.has(word)) {
    const unit = digitWordAt(tokens, k + 1);
    return unit !== undefined && unit > 0 ? k + 2 : k + 1;
  }
  if (TEEN_WORDS.has(word)) return k + 1;
  if (DIGIT_WORDS.has(word) && digitWordAt(tokens, k + 1) !== undefined) return k + 2;
  return -1;
}

/** A year: "28", "2028", "twenty eight", "twenty twenty eight", "two thousand twenty eight". */
export function parseYear(tokens: readonly Token[], k: number, spoken: boolean): number {
  const num = numAt(tokens, k);
  if (num !== undefined) return num.length === 2 || (num.length === 4 && num.startsWith("20")) ? k + 1 : -1;
  if (!spoken) return -1;
  if (wordAt(tokens, k) === "two" && wordAt(tokens, k + 1) === "thousand") {
    const after = wordAt(tokens, k + 2) === "and" ? k + 3 : k + 2;
    const end = parseTwoDigitWords(tokens, after);
    return end > 0 ? end : digitWordAt(tokens, after) !== undefined ? after + 1 : -1;
  }
  if (wordAt(tokens, k) === "twenty") {
    const end = parseTwoDigitWords(tokens, k + 1);
    if (end > 0 && !DIGIT_WORDS.has(wordAt(tokens, k + 1) ?? "")) return end;
  }
  return parseTwoDigitWords(tokens, k);
}

/** An expiry date at `k`; `labeled` allows the forms that only make sense after "exp". Index after, or -1. */
export function parseExpiry(tokens: readonly Token[], k: number, labeled: boolean): number {
  const num = numAt(tokens, k);
  if (labeled && num !== undefined && (num.length === 4 || num.length === 6)) {
    const month = Number(num.slice(0, 2));
    if (month >= 1 && month <= 12 && (num.length === 4 || num.slice(2, 4) === "20")) return k + 1;
  }
  const month = parseMonth(tokens, k, labeled);
  if (month < 0) return -1;
  const separator = tokens[month];
  const yearAt = separator && separator.kind !== NUM && DATE_SEPARATORS.has(separator.text) ? month + 1 : month;
  if (!labeled && yearAt === month && numAt(tokens, k) !== undefined) {
    // Unlabeled "12 28" right after a card: both parts must be written as two digits or one.
    const year = numAt(tokens, month);
    if (year === undefined || year.length !== 2) return -1;
  }
  return parseYear(tokens, yearAt, labeled);
}

/** A security code at `k`: 3-4 digits, or (after a keyword) 3-4 single digits or digit words. */
export function parseCvv(tokens: readonly Token[], k: number, labeled: boolean): number {
  const num = numAt(tokens, k);
  if (num !== undefined && (num.length === 3 || num.length === 4)) return k + 1;
  if (!labeled) return -1;
  let end = k;
  while (end - k < 4 && singleDigitAt(tokens, end)) end++;
  return end - k >= 3 ? end : -1;
}

/** A keyword that announces an expiry date or a security code: its kind and the index after it. */
export function matchKeyword(tokens: readonly Token[], k: number): { kind: number; next: number } | undefined {
  const word = wordAt(tokens, k);
  if (word === undefined) return undefined;
  if (EXPIRY_WORDS.has(word)) return { kind: EXPIRY, next: k + 1 };
  if (VALID_WORDS.has(word) && THROUGH_WORDS.has(wordAt(tokens, k + 1) ?? "")) return { kind: EXPIRY, next: k + 2 };
  if (CVV_WORDS.has(word)) {
    // "cvv2" is one word with a digit glued on
    const glued = numAt(tokens, k + 1) === "2" && tokens[k + 1]!.start === tokens[k]!.end;
    return { kind: CVV, next: glued ? k + 2 : k + 1 };
  }
  if ((word === "security" || word === "verification") && CODE_WORDS.has(wordAt(tokens, k + 1) ?? "")) {
    return { kind: CVV, next: k + 2 };
  }
  if (word === "code") return { kind: CVV, next: k + 1 };
  return undefined;
}

export function skipFillers(tokens: readonly Token[], k: number): number {
  let i = k;
  while (i - k < MAX_FILLERS_AFTER_KEYWORD && tokens[i] && tokens[i]!.kind !== NUM && FILLERS_AFTER_KEYWORD.has(tokens[i]!.text)) i++;
  return i;
}

export function skipMarks(tokens: readonly Token[], k: number): number {
  let i = k;
  while (tokens[i]?.kind === MARK) i++;
  return i;
}

export function spanOf(tokens: readonly Token[], from: number, to: number): TextSpan {
  return { start: tokens[from]!.start, end: tokens[to - 1]!.end };
}

/** Expiry dates and security codes announced by a keyword anywhere in `tokens`. */
