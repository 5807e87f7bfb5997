// Protects log redaction: no card number (in any spelling the shared detector knows), secret or full caller number reaches a log line, and errors are logged without the data they failed on.
import "../support/fast-check-seed.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findCardNumbers } from "../../src/lib/card-numbers.ts";
import { createLogger, maskPhone, mayHoldCardNumber, redactText, serializeError } from "../../src/lib/logger.ts";
import { BYPASSES, cardInSentenceArb } from "../support/card-spellings.ts";

function capture(secrets: readonly string[] = []) {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", sink: (l) => lines.push(l), secrets });
  return { log, lines, last: () => JSON.parse(lines.at(-1)!) as Record<string, unknown> };
}

describe("card numbers", () => {
  it("removes card-like digit runs in any common spacing", () => {
    for (const card of ["4242424242424242", "4242 4242 4242 4242", "4242-4242-4242-4242", "378282246310005"]) {
      expect(redactText(`my card is ${card} ok`)).toBe("my card is [card number] ok");
    }
  });

  it.each(BYPASSES)("removes a card written with %s, with its expiry and CVV, from messages, fields and keys", (_, card) => {
    const sentence = `my card is ${card} exp 12/28 cvv 123 ok`;
    const { log, lines, last } = capture();
    log.info(sentence, { note: sentence, nested: { list: [sentence] }, [card]: "key" });
    const line = last();
    expect(line.msg).toMatch(/^my card is \[card number\][.]? ok$/);
    expect(line.note).toBe(line.msg);
    expect(findCardNumbers(lines[0]!)).toEqual([]);
    expect(lines[0]).not.toContain("12/28");
    expect(lines[0]).not.toContain("cvv 123");
  });

  it("removes a card given as a JSON number, and keeps ordinary numbers as numbers", () => {
    const { log, last } = capture();
    log.info("numbers", { card: 4111111111111111, durationMs: 12, at: 1767225600000, ratio: 0.25 });
    expect(last()).toMatchObject({ card: "[card number]", durationMs: 12, at: 1767225600000, ratio: 0.25 });
  });

  it("removes every generated card, in any spelling, from a log line (property)", () => {
    fc.assert(
      fc.property(cardInSentenceArb, ({ text }) => {
        expect(mayHoldCardNumber(text)).toBe(true);
        const { log, lines } = capture();
        log.warn(text, { field: text });
        expect(findCardNumbers(lines[0]!)).toEqual([]);
        expect(findCardNumbers(JSON.parse(lines[0]!).field as string)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("skips the detector only for text that cannot hold a card", () => {
    expect(mayHoldCardNumber("tool call")).toBe(false);
    expect(mayHoldCardNumber("call_Qm9vazEyMzQ1Ng")).toBe(false);
    expect(mayHoldCardNumber("book_appointment answered in 12 ms")).toBe(false);
    expect(mayHoldCardNumber("4111111111111")).toBe(true);
    expect(mayHoldCardNumber("triple four triple one triple two double one")).toBe(true);
    expect(mayHoldCardNumber("four one one one one one one one one one one one one")).toBe(true);
    expect(mayHoldCardNumber("４１１１１１１１１１１１１")).toBe(true);
  });
});

describe("secrets and phone numbers", () => {
  it("masks phone numbers to their last four digits", () => {
    expect(maskPhone("call +15551234567 now")).toBe("call +*******4567 now");
  });

  it("scrubs configured secrets and sensitive keys, at any depth", () => {
    const { log, last } = capture(["s3cr3t-value"]);
    log.info("auth with s3cr3t-value", { nested: { authorization: "Bearer x", list: ["s3cr3t-value", "+15551234567"] }, apiKey: "k" });
    const line = last();
    expect(line.msg).toBe("auth with [redacted]");
    expect(line).toMatchObject({ nested: { authorization: "[redacted]", list: ["[redacted]", "+*******4567"] }, apiKey: "[redacted]" });
  });

  it("logs a bigint instead of failing the line", () => {
    const { log, last } = capture();
    log.info("big", { n: 12n });
    expect(last().n).toBe("12");
  });
});

describe("errors", () => {
  it("serializes errors with their message and respects the level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "warn", sink: (l) => lines.push(l) }).child({ callId: "c1" });
    log.info("dropped");
    log.error("failed", { err: new Error("boom 4111111111111111") });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: "error", msg: "failed", callId: "c1", err: { name: "Error", message: "boom [card number]" } });
    expect(line.err.stack).toMatch(/^Error: boom \[card number\]\n\s+at /);
  });

  it("drops a wrapped query's parameters and a Postgres error's detail, keeping what failed", () => {
    // The shapes drizzle and postgres.js produce (a real failing query is in test/integration/log-redaction.test.ts).
    const cause = Object.assign(new Error('invalid input syntax for type uuid: "pat@example.com"'), {
      name: "PostgresError",
      code: "22P02",
      severity: "ERROR",
      detail: "Key (email)=(pat@example.com) already exists.",
      where: "unnamed portal parameter $2 = '...'",
      routine: "string_to_uuid",
    });
    Object.defineProperties(cause, {
      query: { value: "insert into notes (id, body) values ($1, $2)", enumerable: false },
      parameters: { value: ["pat@example.com", "4111 1111 1111 1111"], enumerable: false },
    });
    class DrizzleQueryError extends Error {
      constructor(
        readonly query: string,
        readonly params: unknown[],
        override readonly cause: Error,
      ) {
        super(`Failed query: ${query}\nparams: ${params.join(",")}`);
      }
    }
    const wrapped = new DrizzleQueryError(
      "insert into notes (id, body) values ($1, $2)",
      ["pat@example.com", "4111 1111 1111 1111"],
      cause,
    );
    const logged = serializeError(wrapped);
    const text = JSON.stringify(logged);
    expect(text).not.toContain("pat@example.com");
    expect(text).not.toMatch(/4111/);
    expect(text).not.toContain("params");
    expect(text).not.toContain("already exists");
    expect(logged).toMatchObject({
      name: "DrizzleQueryError",
      message: "Failed query",
      query: "insert into notes (id, body) values ($1, $2)",
      cause: {
        name: "PostgresError",
        message: "invalid input syntax for type uuid: [value]",
        code: "22P02",
        severity: "ERROR",
        routine: "string_to_uuid",
        query: "insert into notes (id, body) values ($1, $2)",
      },
    });
  });

  it("keeps the plain fields of other errors and redacts e-mails in their messages", () => {
    const err = Object.assign(new Error("could not reach pat@example.com"), { code: "ECONNREFUSED", status: 503, body: { secret: 1 } });
    expect(serializeError(err)).toMatchObject({ message: "could not reach [email]", code: "ECONNREFUSED", status: 503 });
    expect(serializeError(err)).not.toHaveProperty("body");
  });
});
