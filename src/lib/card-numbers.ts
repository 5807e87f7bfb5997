/**
 * The one detector of payment card numbers, shared by the tool-argument guard, the logger and the
 * call-record redaction. It reads text the way speech-to-text and a language model write a card:
 * digits in any grouping and punctuation, full-width or other-script digits, and digit words.
 *
 * How text becomes candidates
 * - A digit group is a maximal run of decimal digits of any script (ASCII, full-width U+FF10..,
 *   Arabic-Indic, mathematical bold, ...), or one digit word: "zero", "oh", "o", "nought", "one" ..
 *   "nine", "niner"; "double"/"triple" before a digit word or a single digit repeats it.
 * - Groups join into a run when only a gap lies between them: at most 16 separator characters
 *   (any whitespace including no-break and zero-width spaces, the soft hyphen, `.` `,` `-` `/`,
 *   the Unicode dashes and minus, middle dot, and the full-width and ideographic comma, stop, hyphen and
 *   slash) and at most one hesitation or spoken-punctuation word ("uh", "um", "er", "hmm", "dash",
 *   "dot", "slash", "space", ...). So "4111. 1111. 1111. 1111.", "4111 - 1111 - 1111 - 1111" and
 *   "four one one one, one one one one, ..." are runs. Anything else (a letter or another word,
 *   `:`, `(`, `$`, `#`, `@`, ...) ends the run.
 * - UUIDs (8-4-4-4-12 hex) and ISO dates (19xx/20xx-MM-DD) are skipped as a whole: slot ids are
 *   UUIDs whose digit groups form Luhn-valid runs by chance, and dates sit next to cards in
 *   summaries.
 * - Candidates are group-aligned windows of a run holding 13 to 19 digits. A window never splits a
 *   group, so a 22-digit unseparated tracking number holds no candidate, while a card followed by
 *   "12 28 123" still does.
 *
 * How false positives are limited
 * - Luhn: a random window passes one time in ten.
 * - Issuer prefix and length (numbers outside these are not payment cards this business can take):
 *   Visa 4 (13, 16 or 19 digits); Mastercard 2221-2720 (16) and 50-59 (16-19, with Maestro);
 *   Mir 2200-2204 (16-19); Amex 34, 37 (15); Diners 30, 36, 38, 39 (14-19); JCB 3528-3589
 *   (16-19); Discover, UnionPay, RuPay and Maestro 6 (16-19). Years (19xx, 20xx), phone numbers
 *   starting with 1, 7, 8 or 9, and USPS tracking numbers (9...) are out by their first digits;
 *   no card is written after a "+", so "+4915112345678" is a phone number.
 * - Shape: a window of several groups is either dictated digit by digit (every group one digit) or
 *   grouped (every group but the last has two or more digits or was said as a word, so
 *   "4111 one one one one, 1111 1111" from a half-converted transcript counts). Lists of small numbers such as
 *   "4, 5, 6, 10, 11, 12" mix the two, so no window across the mix is a card. (Eight two-digit
 *   numbers in a row, "40, 41, ... 47", or two phone numbers joined by a comma can still pass, one
 *   time in ten, by Luhn: rare in speech, and a refused tool call or an over-redacted number is the
 *   safe side.)
 * Left out on purpose: numbers said as tens ("forty one eleven") and homophones ("for", "to"):
 * these would turn ordinary sentences into digits.
 *
 * Cost: one pass over the text with a bounded look-ahead at each word start (a UUID or a date is
 * at most 36 characters), at most 19 groups read per window start, and expiry/CVV look-ups that
 * read at most 160 characters on each side of a card and never the same text for two cards:
 * linear time, bounded work per character, no regular expression that can backtrack.
 */

/** Fewest and most digits of a payment card number (ISO/IEC 7812). */
export const CARD_DIGITS = { min: 13, max: 19 } as const;

/** Most separator characters between two digit groups of one run ("4111 - 1111" has three). */
const MAX_GAP_CHARS = 16;
/** Most separator characters between "double"/"triple" and the digit it repeats. */
const MAX_MULTIPLIER_GAP_CHARS = 3;

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
const SEP_SPACE = 1;
const SEP_COMMA = 2;
const SEP_SLASH = 4;
const SEP_DOT_OR_DASH = 8;

function separatorKind(cp: number): number {
  if (cp < 0x80) {
    if (cp === 0x20 || (cp >= 0x09 && cp <= 0x0d)) return SEP_SPACE;
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

const UNICODE_DIGIT = /\p{Nd}/u;
const UNICODE_LETTER = /[\p{L}\p{M}]/u;
// Deliberate module-level cache: the value of each non-ASCII decimal digit met so far. Unicode
// has about 700 of them, so it stays small, and it spares a walk back to the block's zero.
const digitValues = new Map<number, number>();

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

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isAsciiDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isHex(c: number): boolean {
  return isAsciiDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Letters (any script), digits (any script) and underscore: what an identifier is made of. */
function isWordChar(cp: number): boolean {
  if (cp < 0x80) return isAsciiLetter(cp) || isAsciiDigit(cp) || cp === 0x5f;
  return digitValue(cp) >= 0 || UNICODE_LETTER.test(String.fromCodePoint(cp));
}

function codePointBefore(text: string, i: number): number {
  if (i <= 0) return -1;
  const low = text.charCodeAt(i - 1);
  if (low >= 0xdc00 && low <= 0xdfff && i >= 2) {
    const high = text.charCodeAt(i - 2);
    if (high >= 0xd800 && high <= 0xdbff) return (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
  }
  return low;
}

function isLetterOrUnderscore(cp: number): boolean {
  if (cp < 0) return false;
  if (cp < 0x80) return isAsciiLetter(cp) || cp === 0x5f;
  return digitValue(cp) < 0 && UNICODE_LETTER.test(String.fromCodePoint(cp));
}

/** Length of a UUID (8-4-4-4-12 hex) starting at `i` and ending at a non-word character, else 0. */
function uuidLength(text: string, i: number): number {
  if (i + 36 > text.length) return 0;
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k);
    const dash = k === 8 || k === 13 || k === 18 || k === 23;
    if (dash ? c !== 0x2d : !isHex(c)) return 0;
  }
  const after = text.codePointAt(i + 36);
  return after !== undefined && isWordChar(after) ? 0 : 36;
}

function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i);
  const b = text.charCodeAt(i + 1);
  return isAsciiDigit(a) && isAsciiDigit(b) ? (a - 0x30) * 10 + (b - 0x30) : -1;
}

/**
 * Length of an ISO date (YYYY-MM-DD, years 1900-2099) starting at `i`, else 0. It may be followed
 * by "T" and a time, never by another digit or "-digit" (then it is part of a longer number).
 */
function isoDateLength(text: string, i: number): number {
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

const DIGIT_WORDS: ReadonlyMap<string, number> = new Map([
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
const MULTIPLIERS: ReadonlyMap<string, number> = new Map([
  ["double", 2],
  ["triple", 3],
]);
const FILLER_WORDS: ReadonlySet<string> = new Set([
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
const MAX_KEYWORD_LENGTH = 8;

/**
 * Receives each digit group in text order. `gap` is undefined when the group starts a new run;
 * otherwise it describes what separates the group from the previous one (valid during the call
 * only: the scanner reuses it). Return false to stop.
 */
export type DigitGroupVisitor = (group: DigitGroup, gap: DigitGap | undefined) => boolean | undefined;

/**
 * Scans `text` once and hands every digit group to `visit`, with the gap joining it to the
 * previous group. The building block of the card detector and of the long-number redaction.
 */
export function scanDigitGroups(text: string, visit: DigitGroupVisitor): void {
  const n = text.length;
  let gap: DigitGap | undefined;
  let multiplier = 0;
  let multiplierStart = 0;
  let multiplierGap = 0;
  let stopped = false;

  const barrier = () => {
    gap = undefined;
    multiplier = 0;
  };
  // One gap object, reset after each group: visitors read it during the call only.
  const open: DigitGap = { chars: 0, space: false, comma: false, slash: false, fillers: 0 };
  const emit = (group: DigitGroup): void => {
    if (visit(group, gap) === false) stopped = true;
    open.chars = 0;
    open.space = false;
    open.comma = false;
    open.slash = false;
    open.fillers = 0;
    gap = open;
  };
  const emitSpoken = (digit: number, start: number, end: number): void => {
    const count = multiplier > 0 ? multiplier : 1;
    const from = multiplier > 0 ? multiplierStart : start;
    multiplier = 0;
    for (let k = 0; k < count && !stopped; k++) {
      emit({ digits: String(digit), size: 1, start: from, end, glued: false, spoken: true, plus: false });
    }
  };

  let i = 0;
  while (i < n && !stopped) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;

    if (cp < 0x80 && (isAsciiLetter(cp) || isAsciiDigit(cp)) && !isWordChar(codePointBefore(text, i))) {
      const skip = uuidLength(text, i) || (isAsciiDigit(cp) ? isoDateLength(text, i) : 0);
      if (skip > 0) {
        barrier();
        i += skip;
        continue;
      }
    }

    if (digitValue(cp) >= 0) {
      const start = i;
      let digits = "";
      let size = 0;
      while (i < n) {
        const c = text.codePointAt(i)!;
        const d = digitValue(c);
        if (d < 0) break;
        if (size <= CARD_DIGITS.max) digits += String.fromCharCode(0x30 + d);
        size++;
        i += c > 0xffff ? 2 : 1;
      }
      const glued = isLetterOrUnderscore(codePointBefore(text, start)) || isLetterOrUnderscore(text.codePointAt(i) ?? -1);
      if (multiplier > 0) {
        if (size === 1 && !glued) {
          emitSpoken(digits.charCodeAt(0) - 0x30, start, i);
          continue;
        }
        barrier();
      }
      emit({ digits, size, start, end: i, glued, spoken: false, plus: start > 0 && text.charCodeAt(start - 1) === 0x2b });
      continue;
    }

    if (isAsciiLetter(cp)) {
      const start = i;
      while (i < n && isAsciiLetter(text.charCodeAt(i))) i++;
      const glued = isWordChar(codePointBefore(text, start)) || isWordChar(text.codePointAt(i) ?? -1);
      const word = !glued && i - start <= MAX_KEYWORD_LENGTH ? text.slice(start, i).toLowerCase() : "";
      const digit = DIGIT_WORDS.get(word);
      if (digit !== undefined) {
        emitSpoken(digit, start, i);
        continue;
      }
      if (multiplier > 0) barrier();
      const times = MULTIPLIERS.get(word);
      if (times !== undefined) {
        multiplier = times;
        multiplierStart = start;
        multiplierGap = 0;
        continue;
      }
      if (gap !== undefined && gap.fillers === 0 && FILLER_WORDS.has(word)) {
        gap.fillers = 1;
        continue;
      }
      barrier();
      continue;
    }

    const kind = separatorKind(cp);
    i += width;
    if (kind === 0) {
      barrier();
      continue;
    }
    if (multiplier > 0) {
      if (++multiplierGap > MAX_MULTIPLIER_GAP_CHARS) barrier();
      continue;
    }
    if (gap === undefined) continue;
    gap.chars++;
    if (kind === SEP_SPACE) gap.space = true;
    else if (kind === SEP_COMMA) gap.comma = true;
    else if (kind === SEP_SLASH) gap.slash = true;
    if (gap.chars > MAX_GAP_CHARS) barrier();
  }
}

/**
 * True when the issuer prefix and the length fit a payment card network (see the module comment).
 * `head` is the number made of the first four digits.
 */
function issuerAccepts(head: number, length: number): boolean {
  const two = Math.floor(head / 100);
  switch (Math.floor(head / 1000)) {
    case 2:
      return (head >= 2200 && head <= 2204 && length >= 16) || (head >= 2221 && head <= 2720 && length === 16);
    case 3:
      if (two === 34 || two === 37) return length === 15;
      if (two === 35) return head >= 3528 && head <= 3589 && length >= 16;
      if (two === 30 || two === 36 || two === 38 || two === 39) return length >= 14;
      return false;
    case 4:
      return length === 13 || length === 16 || length === 19;
    case 5:
    case 6:
      return length >= 16;
    default:
      return false;
  }
}

/** True when `digits` (ASCII digits only, at least one) passes the Luhn check, as every card number does. */
export function isLuhnValid(digits: string): boolean {
  if (digits.length === 0) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(digits.length - 1 - i);
    if (!isAsciiDigit(c)) return false;
    let d = c - 0x30;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** True when `digits` (ASCII, no separators) could be a payment card: 13-19 digits, a card issuer's prefix and length, Luhn-valid. */
export function isCardNumber(digits: string): boolean {
  if (digits.length < CARD_DIGITS.min || digits.length > CARD_DIGITS.max) return false;
  return isLuhnValid(digits) && issuerAccepts(Number(digits.slice(0, 4)), digits.length);
}

/** A window spans at most 19 groups (each has a digit at least), so 19 groups decide a window start. */
const WINDOW_GROUPS = CARD_DIGITS.max;
const RING_SIZE = 32; // a power of two above WINDOW_GROUPS
const RING_MASK = RING_SIZE - 1;

/**
 * The offset (from `first`) of the last group of the longest card-number window starting at
 * `ring[first]`, or -1. Luhn sums are kept for both parities as the window grows, so each group is
 * read once.
 */
function longestCardWindow(ring: readonly DigitGroup[], first: number, count: number): number {
  const start = ring[first & RING_MASK]!;
  const lead = start.digits.charCodeAt(0);
  if (lead < 0x32 || lead > 0x36 || start.plus) return -1; // no issuer outside 2-6; "+49..." is a phone number
  let total = 0;
  let evenDoubled = 0; // Luhn sum when digits at even left positions are doubled (even lengths)
  let oddDoubled = 0; // ... at odd left positions (odd lengths)
  let head = 0; // the first four digits as a number
  let headDigits = 0;
  let allSingles = true;
  let headGrouped = true; // every group before the current one has two or more digits, or was said as a word
  let best = -1;
  for (let e = 0; e < count; e++) {
    const group = ring[(first + e) & RING_MASK]!;
    if (total + group.size > CARD_DIGITS.max) break;
    for (let k = 0; k < group.size; k++) {
      const d = group.digits.charCodeAt(k) - 0x30;
      if (headDigits < 4) {
        head = head * 10 + d;
        headDigits++;
      }
      const doubled = d > 4 ? d * 2 - 9 : d * 2;
      if ((total + k) % 2 === 0) {
        evenDoubled += doubled;
        oddDoubled += d;
      } else {
        evenDoubled += d;
        oddDoubled += doubled;
      }
    }
    total += group.size;
    allSingles &&= group.size === 1;
    const shaped = e === 0 || allSingles || headGrouped;
    headGrouped &&= group.size >= 2 || group.spoken;
    if (total < CARD_DIGITS.min || !shaped) continue;
    const luhn = total % 2 === 0 ? evenDoubled : oddDoubled;
    if (luhn % 10 === 0 && issuerAccepts(head, total)) best = e;
  }
  return best;
}

/** A card's span; `firstEnd` is where the first window of the span ends (see `findCardNumbersWithDetails`). */
interface CardSpan extends TextSpan {
  firstEnd: number;
}

/**
 * Card spans, merged where windows overlap. The groups of the current run wait in a ring until 19
 * follow the oldest (or the run ends); then the oldest is decided as a window start and dropped,
 * so memory stays bounded on runs of any length.
 */
function cardSpans(text: string, limit: number): CardSpan[] {
  const spans: CardSpan[] = [];
  const ring: DigitGroup[] = new Array(RING_SIZE);
  let first = 0;
  let count = 0;
  const decideFirst = () => {
    const last = longestCardWindow(ring, first, count);
    const start = ring[first & RING_MASK]!.start;
    first++;
    count--;
    if (last < 0) return;
    const end = ring[(first - 1 + last) & RING_MASK]!.end;
    const previous = spans.at(-1);
    if (previous && start <= previous.end) previous.end = Math.max(previous.end, end);
    else spans.push({ start, end, firstEnd: end });
  };
  scanDigitGroups(text, (group, gap) => {
    if (gap === undefined) {
      while (count > 0 && spans.length < limit) decideFirst();
      count = 0;
    }
    ring[(first + count) & RING_MASK] = group;
    count++;
    while (count >= WINDOW_GROUPS && spans.length < limit) decideFirst();
    return spans.length < limit;
  });
  while (count > 0 && spans.length < limit) decideFirst();
  return spans;
}

/** Every card number in `text`, as non-overlapping spans of the original text in order. */
export function findCardNumbers(text: string): TextSpan[] {
  return cardSpans(text, Number.POSITIVE_INFINITY).map(({ start, end }) => ({ start, end }));
}

/** True when `text` holds a card number in any of the forms the module comment lists. */
export function containsCardNumber(text: string): boolean {
  return cardSpans(text, 1).length > 0;
}

// ---------------------------------------------------------------------------------------------
// Expiry dates and security codes next to a card.

/** How far around a card (in characters, and in words and numbers) an expiry date or a CVV is looked for. */
const DETAIL_CONTEXT_CHARS = 160;
const DETAIL_CONTEXT_WORDS = 16;

const NUM = 0;
const WORD = 1;
const MARK = 2;
interface Token {
  kind: typeof NUM | typeof WORD | typeof MARK;
  /** ASCII digits for a number, the lower-case word, or the mark character. */
  text: string;
  start: number;
  end: number;
}

function tokenize(text: string, from: number, to: number): Token[] {
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

function isApostrophe(c: number): boolean {
  return c === 0x27 || c === 0x2019;
}

const EXPIRY = 1;
const CVV = 2;
const EXPIRY_WORDS: ReadonlySet<string> = new Set(["exp", "expiry", "expires", "expiration", "expiring", "expire"]);
const CVV_WORDS: ReadonlySet<string> = new Set(["cvv", "cvc", "cid", "csc", "cvn", "cav", "pin"]);
const VALID_WORDS: ReadonlySet<string> = new Set(["valid", "good"]);
const THROUGH_WORDS: ReadonlySet<string> = new Set(["thru", "through", "until", "till"]);
const CODE_WORDS: ReadonlySet<string> = new Set(["code", "number", "value", "digits"]);
/** Words and marks that may sit between a keyword and its value ("expiry date is: 12/28"). */
const FILLERS_AFTER_KEYWORD: ReadonlySet<string> = new Set([
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
const MAX_FILLERS_AFTER_KEYWORD = 5;
/** Words that may join a card and its details into one redaction ("4111..., and the expiry is 12/28"). */
const CONNECTOR_WORDS: ReadonlySet<string> = new Set([
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
const MONTH_NAMES: ReadonlySet<string> = new Set([
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
const TEEN_WORDS: ReadonlyMap<string, number> = new Map([
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
const TENS_WORDS: ReadonlyMap<string, number> = new Map([
  ["twenty", 20],
  ["thirty", 30],
  ["forty", 40],
  ["fifty", 50],
  ["sixty", 60],
  ["seventy", 70],
  ["eighty", 80],
  ["ninety", 90],
]);
const DATE_SEPARATORS: ReadonlySet<string> = new Set(["/", "-", ".", "slash", "of", "dash"]);

function wordAt(tokens: readonly Token[], k: number): string | undefined {
  const t = tokens[k];
  return t?.kind === WORD ? t.text : undefined;
}

function numAt(tokens: readonly Token[], k: number): string | undefined {
  const t = tokens[k];
  return t?.kind === NUM ? t.text : undefined;
}

function digitWordAt(tokens: readonly Token[], k: number): number | undefined {
  const word = wordAt(tokens, k);
  return word === undefined ? undefined : DIGIT_WORDS.get(word);
}

/** A single digit said as a word or written as one digit. */
function singleDigitAt(tokens: readonly Token[], k: number): boolean {
  const num = numAt(tokens, k);
  return num !== undefined ? num.length === 1 : digitWordAt(tokens, k) !== undefined;
}

/** Month as a number (1-12), a name, "oh four", "four" or "twelve": index after it, or -1. */
function parseMonth(tokens: readonly Token[], k: number, spoken: boolean): number {
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
function parseTwoDigitWords(tokens: readonly Token[], k: number): number {
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
function parseYear(tokens: readonly Token[], k: number, spoken: boolean): number {
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
function parseExpiry(tokens: readonly Token[], k: number, labeled: boolean): number {
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
function parseCvv(tokens: readonly Token[], k: number, labeled: boolean): number {
  const num = numAt(tokens, k);
  if (num !== undefined && (num.length === 3 || num.length === 4)) return k + 1;
  if (!labeled) return -1;
  let end = k;
  while (end - k < 4 && singleDigitAt(tokens, end)) end++;
  return end - k >= 3 ? end : -1;
}

/** A keyword that announces an expiry date or a security code: its kind and the index after it. */
function matchKeyword(tokens: readonly Token[], k: number): { kind: number; next: number } | undefined {
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

function skipFillers(tokens: readonly Token[], k: number): number {
  let i = k;
  while (i - k < MAX_FILLERS_AFTER_KEYWORD && tokens[i] && tokens[i]!.kind !== NUM && FILLERS_AFTER_KEYWORD.has(tokens[i]!.text)) i++;
  return i;
}

function skipMarks(tokens: readonly Token[], k: number): number {
  let i = k;
  while (tokens[i]?.kind === MARK) i++;
  return i;
}

function spanOf(tokens: readonly Token[], from: number, to: number): TextSpan {
  return { start: tokens[from]!.start, end: tokens[to - 1]!.end };
}

/** Expiry dates and security codes announced by a keyword anywhere in `tokens`. */
function labeledDetails(tokens: readonly Token[], out: TextSpan[]): void {
  let k = 0;
  while (k < tokens.length) {
    const keyword = matchKeyword(tokens, k);
    if (!keyword) {
      k++;
      continue;
    }
    const at = skipFillers(tokens, keyword.next);
    const end = keyword.kind === EXPIRY ? parseExpiry(tokens, at, true) : parseCvv(tokens, at, true);
    if (end < 0) {
      k = keyword.next;
      continue;
    }
    out.push(spanOf(tokens, at, end));
    k = end;
    // "exp 12/28 123": a bare code right after a date is the CVV
    const code = skipMarks(tokens, k);
    if (keyword.kind === EXPIRY && parseCvv(tokens, code, false) > 0) {
      out.push(spanOf(tokens, code, code + 1));
      k = code + 1;
    }
  }
}

/** The first (or last) tokens holding `DETAIL_CONTEXT_WORDS` words and numbers; marks are free. */
function withinWords(tokens: Token[], which: "first" | "last"): Token[] {
  let words = 0;
  if (which === "first") {
    for (let k = 0; k < tokens.length; k++) if (tokens[k]!.kind !== MARK && ++words > DETAIL_CONTEXT_WORDS) return tokens.slice(0, k);
    return tokens;
  }
  for (let k = tokens.length - 1; k >= 0; k--) if (tokens[k]!.kind !== MARK && ++words > DETAIL_CONTEXT_WORDS) return tokens.slice(k + 1);
  return tokens;
}

/** Details right after a card without a keyword ("4111 ... 12/28 123"), then any announced ones. */
function detailsAfter(text: string, from: number, to: number, out: TextSpan[]): void {
  const tokens = withinWords(tokenize(text, from, Math.min(to, from + DETAIL_CONTEXT_CHARS)), "first");
  let k = skipMarks(tokens, 0);
  const expiry = parseExpiry(tokens, k, false);
  if (expiry > 0) {
    out.push(spanOf(tokens, k, expiry));
    k = skipMarks(tokens, expiry);
  }
  const code = parseCvv(tokens, k, false);
  if (code > 0) {
    out.push(spanOf(tokens, k, code));
    k = code;
  }
  const rest: TextSpan[] = [];
  labeledDetails(tokens.slice(k), rest);
  out.push(...rest);
}

/** Details announced by a keyword in the few words before a card ("exp 12/28, card 4111 ..."). */
function detailsBefore(text: string, from: number, to: number, out: TextSpan[]): void {
  const tokens = withinWords(tokenize(text, Math.max(from, to - DETAIL_CONTEXT_CHARS), to), "last");
  labeledDetails(tokens, out);
}

/** True when only separators, marks and connector words lie between two spans. */
function onlyConnectors(text: string, from: number, to: number): boolean {
  if (to - from > DETAIL_CONTEXT_CHARS) return false;
  const tokens = tokenize(text, from, to);
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k]!;
    if (token.kind === NUM) {
      // the "2" of "cvv2"
      const previous = tokens[k - 1];
      if (token.text !== "2" || previous?.end !== token.start || !CVV_WORDS.has(previous.text)) return false;
    } else if (!CONNECTOR_WORDS.has(token.text) && (token.kind === WORD || separatorKind(token.text.codePointAt(0)!) === 0)) {
      return false;
    }
  }
  return true;
}

/**
 * Every card number with the expiry date and security code said next to it (within a few words
 * after or before), as spans in order. A card and its details merge into one span when only
 * connector words ("and the expiry is") lie between them.
 */
export function findCardNumbersWithDetails(text: string): TextSpan[] {
  const cards = cardSpans(text, Number.POSITIVE_INFINITY);
  const spans: TextSpan[] = [];
  let previousEnd = 0;
  for (let c = 0; c < cards.length; c++) {
    const card = cards[c]!;
    const nextStart = cards[c + 1]?.start ?? text.length;
    // The text between two cards is read by those two only, which keeps the whole pass linear.
    detailsBefore(text, previousEnd, card.start, spans);
    spans.push({ start: card.start, end: card.end });
    const after: TextSpan[] = [];
    detailsAfter(text, card.end, nextStart, after);
    // A window starting inside the card can end inside "12 28 123" by chance ("4000 0000 002 12"
    // is a Luhn-valid 13-digit Visa one time in ten): read the details after the first window too.
    if (card.firstEnd < card.end) detailsAfter(text, card.firstEnd, nextStart, after);
    after.sort((a, b) => a.start - b.start);
    spans.push(...after);
    previousEnd = Math.max(card.end, ...after.map((span) => span.end));
  }
  spans.sort((a, b) => a.start - b.start);
  const merged: TextSpan[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && (span.start <= last.end || onlyConnectors(text, last.end, span.start))) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/**
 * Replaces every card number, and the expiry date and security code said next to it, with
 * `marker`. A card and its details separated only by connector words become one marker.
 */
export function redactCardNumbers(text: string, marker: string): string {
  return replaceSpans(text, findCardNumbersWithDetails(text), marker);
}

/** Replaces ordered, non-overlapping spans of `text` with `marker`. */
export function replaceSpans(text: string, spans: readonly TextSpan[], marker: string): string {
  if (spans.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const span of spans) {
    parts.push(text.slice(at, span.start), marker);
    at = span.end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}

// ---------------------------------------------------------------------------------------------
// Tool arguments.

/** Limits of `argumentsContainCard`; no tool takes arguments anywhere near them. */
export const ARGUMENT_SCAN_LIMITS = { depth: 32, chars: 1_000_000, nodes: 100_000 } as const;

/**
 * Searches every string, number and key of a parsed JSON value for a card number. Beyond the
 * limits (nesting, total characters, values) it answers true: the guard refuses such a call
 * rather than pass on a remainder it has not read.
 */
export function argumentsContainCard(value: unknown): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let chars = 0;
  let nodes = 0;
  const hit = (text: string): boolean => {
    chars += text.length;
    return chars > ARGUMENT_SCAN_LIMITS.chars || containsCardNumber(text);
  };
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (++nodes > ARGUMENT_SCAN_LIMITS.nodes) return true;
    const v = item.value;
    if (typeof v === "string") {
      if (hit(v)) return true;
    } else if (typeof v === "number" || typeof v === "bigint") {
      if (hit(String(v))) return true;
    } else if (v !== null && typeof v === "object") {
      if (item.depth >= ARGUMENT_SCAN_LIMITS.depth) return true;
      if (Array.isArray(v)) {
        if (nodes + stack.length + v.length > ARGUMENT_SCAN_LIMITS.nodes) return true;
        for (const element of v) stack.push({ value: element, depth: item.depth + 1 });
      } else {
        const entries = Object.entries(v);
        if (nodes + stack.length + entries.length > ARGUMENT_SCAN_LIMITS.nodes) return true;
        for (const [key, element] of entries) {
          if (hit(key)) return true;
          stack.push({ value: element, depth: item.depth + 1 });
        }
      }
    }
  }
  return false;
}
