/** One pass over a text that hands every digit group, with the gap before it, to a visitor. */
import {
  CARD_DIGITS,
  codePointBefore,
  DIGIT_WORDS,
  type DigitGap,
  type DigitGroup,
  digitValue,
  FILLER_WORDS,
  isAsciiDigit,
  isAsciiLetter,
  isLetterOrUnderscore,
  isoDateLength,
  isWordChar,
  MAX_GAP_CHARS,
  MAX_KEYWORD_LENGTH,
  MAX_MULTIPLIER_GAP_CHARS,
  MULTIPLIERS,
  SEP_COMMA,
  SEP_SLASH,
  SEP_SPACE,
  separatorKind,
  uuidLength,
} from "./characters.ts";

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
