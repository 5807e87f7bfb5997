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
import { CARD_DIGITS, type DigitGroup, isAsciiDigit, type TextSpan } from "./characters.ts";
import { scanDigitGroups } from "./digit-groups.ts";

export function issuerAccepts(head: number, length: number): boolean {
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
export const WINDOW_GROUPS = CARD_DIGITS.max;
export const RING_SIZE = 32; // a power of two above WINDOW_GROUPS
export const RING_MASK = RING_SIZE - 1;

/**
 * The offset (from `first`) of the last group of the longest card-number window starting at
 * `ring[first]`, or -1. Luhn sums are kept for both parities as the window grows, so each group is
 * read once.
 */
export function longestCardWindow(ring: readonly DigitGroup[], first: number, count: number): number {
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
export interface CardSpan extends TextSpan {
  firstEnd: number;
}

/**
 * Card spans, merged where windows overlap. The groups of the current run wait in a ring until 19
 * follow the oldest (or the run ends); then the oldest is decided as a window start and dropped,
 * so memory stays bounded on runs of any length.
 */
export function cardSpans(text: string, limit: number): CardSpan[] {
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
