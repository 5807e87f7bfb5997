// Protects the process from redaction stalls: on the inputs that stalled production (a 196 KB summary without "@", a 7 MB transcript of digits) and other adversarial text, redaction and card detection grow linearly with the input.
import { describe, expect, it } from "vitest";
import { redactCardNumbers } from "../../src/lib/card-numbers.ts";
import { MAX_REDACTED_FIELD_CHARS, redactPersonalData } from "../../src/lib/redaction.ts";

/** `unit` repeated to exactly `length` characters. */
const fill = (unit: string, length: number) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

const STRING_METHODS = [
  "charCodeAt",
  "codePointAt",
  "charAt",
  "at",
  "slice",
  "substring",
  "indexOf",
  "lastIndexOf",
  "includes",
  "startsWith",
  "endsWith",
  "toLowerCase",
  "replace",
  "replaceAll",
  "split",
  "normalize",
] as const;
const REGEXP_METHODS = ["test", "exec"] as const;

/**
 * How many times `work` reads the text: every string method call (each character read is one)
 * and every regular-expression match. A count, not a time, so the test is deterministic and a
 * busy machine cannot fail it.
 */
function reads(work: () => void): number {
  let count = 0;
  const patched: Array<[Record<string, unknown>, string, unknown]> = [];
  const patch = (proto: object, name: string) => {
    const target = proto as Record<string, unknown>;
    const original = target[name] as (...args: unknown[]) => unknown;
    patched.push([target, name, original]);
    target[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  };
  for (const name of STRING_METHODS) patch(String.prototype, name);
  for (const name of REGEXP_METHODS) patch(RegExp.prototype, name);
  try {
    work();
  } finally {
    for (const [target, name, original] of patched) target[name] = original;
  }
  return count;
}

/**
 * How much more reading `work` does on 16 times the input: about 16 for linear work, about 256
 * for quadratic work. The bound of 24 leaves room for fixed costs and for runs that straddle the
 * repeated units differently.
 */
function growth(work: (text: string) => unknown, make: (length: number) => string, length: number): number {
  const small = make(length);
  const large = make(16 * length);
  return (
    reads(() => work(large)) /
    Math.max(
      reads(() => work(small)),
      1,
    )
  );
}

const LINEAR_BOUND = 24;
// Small, because every counted read goes through a wrapper; the full-size inputs are timed below.
const SIZE = 4 * 1024;
const caller = { callerNumber: "+15551234567" };

const ADVERSARIAL: ReadonlyArray<[string, (length: number) => string]> = [
  ["e-mail-like text without '@' (the 196 KB summary)", (n) => fill("dana.smith_x%y+z-", n)],
  ["'a@' repeated", (n) => fill("a@", n)],
  ["a run of dots", (n) => fill(".", n)],
  ["dots then a broken address", (n) => `${fill(".", n - 4)}-.AA`],
  ["an '@' before a long dotted domain without a top-level domain", (n) => `x@${fill("a.", n - 2)}`],
  ["a transcript of digits and separators (the 7 MB transcript)", (n) => fill("4111 1111. 1111, 1111 - 12/28 ", n)],
  ["cards with expiry and CVV, back to back", (n) => fill("4111 1111 1111 1111 exp 12/28 cvv 123 ", n)],
  ["single digits", (n) => fill("4 1 ", n)],
  ["digit words", (n) => fill("four one one one ", n)],
  ["near misses of the caller's number", (n) => fill("555 123 456 ", n)],
  ["one unbroken digit run", (n) => fill("1234567890", n)],
  ["UUID-like hex", (n) => fill("abcdef12-3456-7890-1234-", n)],
];

describe("redactPersonalData grows linearly", () => {
  it.each(ADVERSARIAL)("on %s", (_, make) => {
    expect(growth((text) => redactPersonalData(text, caller), make, SIZE)).toBeLessThan(LINEAR_BOUND);
  });
});

describe("the card detector grows linearly", () => {
  it.each(ADVERSARIAL)("on %s", (_, make) => {
    expect(growth((text) => redactCardNumbers(text, "[card]"), make, SIZE)).toBeLessThan(LINEAR_BOUND);
  });
});

// The two inputs that stalled production, timed. The only wall-clock bounds in this file: a
// count of string reads cannot see work done inside a regular expression, which is where the old
// redaction spent its time. Each bound is 50 times what the redaction takes alone on a developer
// machine, and still about 10 times the worst seen with the whole suite running in parallel on a
// busy two-core machine (0.4 s and 2.3 s); the old redaction took 29 s (142 s on that busy
// machine) and over 10 minutes.
describe("the inputs that stalled production", () => {
  it("a 196 KB summary without '@' is redacted within 5 s (alone: about 0.1 s)", { timeout: 60_000 }, () => {
    // One unbroken run of the characters an address is made of: the old pattern retried it from each.
    const summary = `Summary: ${fill("dana.smith_x%y+z-", 196 * 1024)}`;
    const start = performance.now();
    redactPersonalData(summary, caller);
    expect(performance.now() - start).toBeLessThan(5_000);
  });

  it("a 7 MB transcript is redacted within 25 s (alone: about 0.5 s), and capped", { timeout: 60_000 }, () => {
    const transcript = fill(
      "User: 4111 1111. 1111, 1111 - exp 12/28, cvv 123, mail dana@example.com, call 555-123-4567.\n",
      7 * 1024 * 1024,
    );
    const start = performance.now();
    const out = redactPersonalData(transcript, caller);
    expect(performance.now() - start).toBeLessThan(25_000);
    expect(out.length).toBeLessThanOrEqual(MAX_REDACTED_FIELD_CHARS);
    expect(out).not.toMatch(/\d|@/);
  });
});
