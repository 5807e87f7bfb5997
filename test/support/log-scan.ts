/**
 * Scans log lines for what must never be logged: card numbers (found by the same detector the
 * logger, the tool-argument guard and the call-record redaction use, so every spelling counts),
 * known secrets, and caller numbers that are not masked. The test run fails if any line has one.
 */
import { findCardNumbers } from "../../src/lib/card-numbers.ts";

export interface Finding {
  line: number;
  what: string;
}

/**
 * The texts of a log line to scan: the raw line, and every string and key of its JSON (so a card
 * written with a tab or a newline, which JSON escapes as `\t` or `\n`, is read as written).
 */
function textsOf(line: string): string[] {
  const texts = [line];
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return texts;
  }
  const stack: unknown[] = [parsed];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === "string") texts.push(value);
    else if (Array.isArray(value)) stack.push(...value);
    else if (value !== null && typeof value === "object") {
      for (const [key, v] of Object.entries(value)) {
        texts.push(key);
        stack.push(v);
      }
    }
  }
  return texts;
}

/** Last four digits of a card span, for a finding that says which card without repeating it. */
function ending(text: string, span: { start: number; end: number }): string {
  const digits = [...text.slice(span.start, span.end)].filter((ch) => /\p{Nd}/u.test(ch));
  return digits.length >= 4 ? `ending ${digits.slice(-4).join("")}` : "in words";
}

export function scanLogLines(lines: readonly string[], secrets: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  lines.forEach((text, i) => {
    const cards = new Set<string>();
    for (const part of textsOf(text)) for (const span of findCardNumbers(part)) cards.add(ending(part, span));
    for (const card of cards) findings.push({ line: i + 1, what: `card number ${card}` });
    for (const secret of secrets) if (secret && text.includes(secret)) findings.push({ line: i + 1, what: "a secret" });
    for (const match of text.matchAll(/\+\d{8,15}/g))
      findings.push({ line: i + 1, what: `unmasked phone number ending ${match[0].slice(-4)}` });
  });
  return findings;
}
