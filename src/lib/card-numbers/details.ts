/** A card with the expiry and security code said next to it, found and redacted as one. */
import { cardSpans } from "./cards.ts";
import { separatorKind, type TextSpan } from "./characters.ts";
import {
  CONNECTOR_WORDS,
  CVV_WORDS,
  DETAIL_CONTEXT_CHARS,
  DETAIL_CONTEXT_WORDS,
  EXPIRY,
  MARK,
  matchKeyword,
  NUM,
  parseCvv,
  parseExpiry,
  skipFillers,
  skipMarks,
  spanOf,
  type Token,
  tokenize,
  WORD,
} from "./detail-tokens.ts";

export function labeledDetails(tokens: readonly Token[], out: TextSpan[]): void {
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
export function withinWords(tokens: Token[], which: "first" | "last"): Token[] {
  let words = 0;
  if (which === "first") {
    for (let k = 0; k < tokens.length; k++) if (tokens[k]!.kind !== MARK && ++words > DETAIL_CONTEXT_WORDS) return tokens.slice(0, k);
    return tokens;
  }
  for (let k = tokens.length - 1; k >= 0; k--) if (tokens[k]!.kind !== MARK && ++words > DETAIL_CONTEXT_WORDS) return tokens.slice(k + 1);
  return tokens;
}

/** Details right after a card without a keyword ("4111 ... 12/28 123"), then any announced ones. */
export function detailsAfter(text: string, from: number, to: number, out: TextSpan[]): void {
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
export function detailsBefore(text: string, from: number, to: number, out: TextSpan[]): void {
  const tokens = withinWords(tokenize(text, Math.max(from, to - DETAIL_CONTEXT_CHARS), to), "last");
  labeledDetails(tokens, out);
}

/** True when only separators, marks and connector words lie between two spans. */
export function onlyConnectors(text: string, from: number, to: number): boolean {
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
