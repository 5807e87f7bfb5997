/**
 * Scans log lines for what must never be logged: card numbers (Luhn-valid digit runs), known
 * secrets, and caller numbers that are not masked. The test run fails if any line has one.
 */

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

export interface Finding {
  line: number;
  what: string;
}

export function scanLogLines(lines: readonly string[], secrets: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  lines.forEach((text, i) => {
    // Word boundaries as in the logger's own redaction: digits inside a hex id are not a card.
    for (const match of text.matchAll(/\b\d(?:[ -]?\d){12,18}\b/g)) {
      const digits = match[0].replace(/\D/g, "");
      if (digits.length >= 13 && luhnValid(digits)) findings.push({ line: i + 1, what: `card-like number ending ${digits.slice(-4)}` });
    }
    for (const secret of secrets) if (secret && text.includes(secret)) findings.push({ line: i + 1, what: "a secret" });
    for (const match of text.matchAll(/\+\d{8,15}/g))
      findings.push({ line: i + 1, what: `unmasked phone number ending ${match[0].slice(-4)}` });
  });
  return findings;
}
