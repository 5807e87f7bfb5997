/**
 * The scans behind the redaction of free text, each linear: e-mail addresses (from each "@"
 * outwards), the caller's own number in any spelling, and long digit runs (see ../redaction.ts
 * for what counts as one).
 */
import { type DigitGap, type DigitGroup, digitValue, replaceSpans, scanDigitGroups, type TextSpan } from "../card-numbers.ts";
import { CALLER_MARKER, EMAIL_MARKER, NUMBER_MARKER } from "./markers.ts";

const MAX_NUMBER_GAP_CHARS = 3;
/** Shortest digit run redacted as "[number]" (a phone number without area code). */
const MIN_LONG_NUMBER_DIGITS = 7;
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

/** Whitespace a transcript uses between words (no-break and ideographic spaces included). */
export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x202f || c === 0x3000;
}

/** A character that can belong to a spoken or written number. */
export function isNumberish(c: number): boolean {
  return isSpace(c) || digitValue(c) >= 0 || c === 0x2e || c === 0x2c || c === 0x2d || c === 0x2f;
}
