// Protects the card detector: every spelling of a card number that got through in production is found and redacted with its expiry and CVV, while phone numbers, dates, tracking numbers, ids and amounts are left alone.
import "../support/fast-check-seed.ts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ARGUMENT_SCAN_LIMITS,
  argumentsContainCard,
  containsCardNumber,
  findCardNumbers,
  isCardNumber,
  isLuhnValid,
  redactCardNumbers,
  scanArguments,
} from "../../src/lib/card-numbers.ts";
import { BYPASSES, cardArb, NUMERIC, sentenceArb, spell, spellingArb } from "../support/card-spellings.ts";

const MARKER = "[card]";

describe("isLuhnValid and isCardNumber", () => {
  it.each([
    "4111111111111111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "4222222222222",
    "30569309025904",
    "3530111333300000",
  ])("accepts test card %s", (n) => {
    expect(isLuhnValid(n)).toBe(true);
    expect(isCardNumber(n)).toBe(true);
  });

  it.each(["4111111111111112", "411111111111", "41111111111111111111", "abcd", "", "4111 1111 1111 1111"])("rejects %j as a card", (n) => {
    expect(isCardNumber(n)).toBe(false);
  });

  it("rejects Luhn-valid numbers without a card issuer's prefix or length", () => {
    expect(isLuhnValid("123456789012345671")).toBe(true);
    expect(isCardNumber("123456789012345671")).toBe(false); // first digit 1
    expect(isLuhnValid("41111111111114")).toBe(true);
    expect(isCardNumber("41111111111114")).toBe(false); // Visa has no 14-digit cards
    expect(isCardNumber("2026030420260305")).toBe(false); // years are not Mastercard 2-series
  });
});

describe("findCardNumbers", () => {
  it.each(BYPASSES)("finds a card written with %s", (_, card) => {
    expect(containsCardNumber(card)).toBe(true);
    const spans = findCardNumbers(card);
    expect(spans).toHaveLength(1);
    // Trailing punctuation may stay outside the span; every digit is inside it.
    expect(card.slice(0, spans[0]!.start)).toBe("");
    expect(card.slice(spans[0]!.end)).toMatch(/^[.\s]*$/);
  });

  it.each(BYPASSES)("finds a card written with %s inside a sentence with its expiry and CVV", (_, card) => {
    const sentence = `Sure, my card is ${card} exp 12/28 cvv 123 and that's it.`;
    const spans = findCardNumbers(sentence);
    expect(spans).toHaveLength(1);
    expect(sentence.slice(spans[0]!.start, spans[0]!.end).replace(/[.\s]+$/, "")).toBe(card.replace(/[.\s]+$/, ""));
    expect(redactCardNumbers(sentence, MARKER)).toMatch(/^Sure, my card is \[card\][.]? and that's it\.$/);
  });

  it("returns spans of the original text, so each card can be replaced in place", () => {
    const text = "first ４１１１ １１１１ １１１１ １１１１, then 5555-5555-5555-4444.";
    const spans = findCardNumbers(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(["４１１１ １１１１ １１１１ １１１１", "5555-5555-5555-4444"]);
  });

  it("finds a card wherever it sits in a longer digit run", () => {
    expect(findCardNumbers("4111 1111 1111 1111 12 28 123")).toEqual([{ start: 0, end: 19 }]);
    expect(findCardNumbers("12 28 4111 1111 1111 1111")).toEqual([{ start: 6, end: 25 }]);
    expect(containsCardNumber("ref 1 4111 1111 1111 1111")).toBe(true);
  });

  it("ignores UUIDs whose digit groups happen to form a Luhn-valid run, but not a card next to one", () => {
    expect(containsCardNumber("abcdef12-3456-7890-1234-5671abcdef12")).toBe(false);
    expect(containsCardNumber("slot abcdef12-3456-7890-1234-5671abcdef12 4111 1111 1111 1111")).toBe(true);
    expect(containsCardNumber("4111 1111 1111 1111 abcdef12-3456-7890-1234-5671abcdef12")).toBe(true);
  });
});

const NOT_CARDS: ReadonlyArray<[string, string]> = [
  ["a phone number", "call me on +1 555 010 9999"],
  ["a phone number in brackets", "(555) 010-9999"],
  ["two phone numbers", "555-010-9999 or 555-010-8888"],
  ["a UK phone number", "+44 20 7946 0958"],
  ["a German mobile number whose digits pass Luhn", "text +4915112345678 please"],
  ["ISO dates", "from 2026-03-04 to 2026-03-05"],
  ["an ISO timestamp", "2026-03-04T15:30:00Z"],
  ["US and European dates", "12/28/2026, 03.04.2026 and 28/12/2026"],
  ["times", "at 10:30, 11:45 or 14:00"],
  ["a UPS tracking number", "parcel 1Z999AA10123456784 is late"],
  ["a 22-digit tracking number", "9400111899223456789012"],
  ["a 22-digit tracking number in groups", "9400 1118 9922 3456 7890 12"],
  ["an Amazon order number", "order 114-1234567-1234567"],
  ["a short order number", "order #40512345 for 3 items"],
  ["a UUID", "slot 7f1c2a9e-0000-4000-8000-000000000001"],
  ["money", "$1,234,567.89 or 4,500,000.00 dollars or USD 5 000 000"],
  ["a list of small numbers", "1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 40, 41, 42, 43, 44, 45, 46, 47"],
  ["room numbers", "rooms 4, 5, 6, 7, 8, 9, 10, 11, 12 and 13"],
  ["a Luhn-invalid card", "4111 1111 1111 1112"],
  ["an ISBN", "ISBN 978-3-16-148410-0"],
  ["an IBAN", "GB82 WEST 1234 5698 7654 32"],
  ["a 22-digit number", "4111111111111111111111"],
  ["digits glued to a UUID-like hex id", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["counting in words", "one, two, three, four, five, six, seven, eight, nine, ten"],
];

describe("true negatives", () => {
  it.each(NOT_CARDS)("finds no card in %s", (_, text) => {
    expect(findCardNumbers(text)).toEqual([]);
    expect(redactCardNumbers(text, MARKER)).toBe(text);
  });
});

describe("redactCardNumbers", () => {
  it.each([
    ["4111 1111 1111 1111 exp 12/28 cvv 123, thanks", "[card], thanks"],
    ["4111 1111 1111 1111, expiry twelve twenty eight, security code one two three. Bye", "[card]. Bye"],
    ["card 4111 1111 1111 1111 expires oh four twenty twenty nine", "card [card]"],
    ["4111 1111 1111 1111 12 28 123 ok", "[card] ok"],
    ["4111 1111 1111 1111, 12/2028, 1234 ok", "[card] ok"],
    ["The CVV is 123 and the card 4111 1111 1111 1111 ok", "The CVV is [card] ok"],
    ["exp 12/28 cvv 123, card 4111-1111-1111-1111 ok", "exp [card] ok"],
    ["4111 1111 1111 1111 thanks. The expiration date is December 2028.", "[card] thanks. The expiration date is [card]."],
    ["4111 1111 1111 1111 and the code on the back is 321.", "[card]."],
    ["4111 1111 1111 1111, valid thru 01/30, cvc2: 987", "[card]"],
  ])("redacts %j with its expiry and security code", (text, expected) => {
    expect(redactCardNumbers(text, MARKER)).toBe(expected);
  });

  it("leaves numbers that are not next to a card alone", () => {
    expect(redactCardNumbers("exp 12/28 cvv 123", MARKER)).toBe("exp 12/28 cvv 123");
    expect(redactCardNumbers("4111 1111 1111 1111 and 3 tickets for 12 people", MARKER)).toBe("[card] and 3 tickets for 12 people");
  });
});

describe("argumentsContainCard", () => {
  it("searches strings, numbers, nested objects, arrays and keys", () => {
    expect(argumentsContainCard({ a: 4111111111111111 })).toBe(true);
    expect(argumentsContainCard({ a: { b: ["x", "4111-1111-1111-1111"] } })).toBe(true);
    expect(argumentsContainCard({ "4111111111111111": true })).toBe(true);
    expect(argumentsContainCard({ note: "it's four one one one, one one one one, one one one one, one one one one" })).toBe(true);
    expect(argumentsContainCard({ slotId: "7f1c2a9e-0000-4000-8000-000000000001", n: 3, when: "2026-03-04T10:00:00Z" })).toBe(false);
    expect(argumentsContainCard([null, true, 1.5, { phone: "+15550109999" }])).toBe(false);
  });

  it("refuses what it cannot read in full: too deep, too many values, too much text", () => {
    let deep: unknown = "fine";
    for (let i = 0; i < 50_000; i++) deep = { next: deep };
    expect(argumentsContainCard(deep)).toBe(true);
    expect(argumentsContainCard(new Array(ARGUMENT_SCAN_LIMITS.nodes + 1).fill(1))).toBe(true);
    expect(argumentsContainCard({ text: "a".repeat(ARGUMENT_SCAN_LIMITS.chars + 1) })).toBe(true);
    let shallow: unknown = "fine";
    for (let i = 0; i < 10; i++) shallow = [shallow];
    expect(argumentsContainCard(shallow)).toBe(false);
  });

  it("reads parentheses around groups as separators", () => {
    expect(scanArguments({ note: "(4111) (1111) (1111) (1111)" })).toBe("card");
    expect(scanArguments({ note: "call (555) 010-9999 after 5" })).toBe("clean");
  });

  it("says why: a card, text it could not read in full, or a NUL character", () => {
    expect(scanArguments({ a: "4111 1111 1111 1111" })).toBe("card");
    expect(scanArguments({ text: "a".repeat(ARGUMENT_SCAN_LIMITS.chars + 1) })).toBe("unread");
    expect(scanArguments({ name: "Jo\u0000rdan" })).toBe("nul");
    // A card is a card wherever it is, NUL or not.
    expect(scanArguments({ name: "Jo\u0000rdan", note: "4111 1111 1111 1111" })).toBe("card");
    expect(scanArguments({ name: "Jordan" })).toBe("clean");
  });
});

describe("generated cards (property)", () => {
  it("finds and redacts every generated card, however it is spelled and wherever it sits", () => {
    fc.assert(
      fc.property(cardArb, spellingArb, sentenceArb, fc.infiniteStream(fc.nat()), (card, spelling, sentence, randoms) => {
        const iterator = randoms[Symbol.iterator]();
        const pick = (n: number) => iterator.next().value! % n;
        const written = spell(card, spelling, pick);
        const prefix = sentence.before.length > 0 ? `${sentence.before.join(" ")} ` : "";
        const suffix = sentence.after.length > 0 ? ` ${sentence.after.join(" ")}` : "";
        const text = `${sentence.leading}${prefix}${written}${sentence.details}${suffix}${sentence.end}`;
        expect(containsCardNumber(written)).toBe(true);
        const spans = findCardNumbers(text);
        expect(spans.length).toBeGreaterThanOrEqual(1);
        const redacted = redactCardNumbers(text, MARKER);
        expect(redacted).toContain(MARKER);
        expect(redacted).not.toMatch(NUMERIC);
      }),
      { numRuns: 500 },
    );
  });

  it("finds no card when the check digit is wrong", () => {
    // Up to 16 digits, so that no group-aligned window shorter than the whole number has 13 digits.
    const upTo16 = cardArb.filter((card) => card.length <= 16);
    fc.assert(
      fc.property(
        upTo16,
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom("block", "fours") as fc.Arbitrary<"block" | "fours">,
        (card, shift, style) => {
          const last = (Number(card.at(-1)) + shift) % 10;
          const wrong = card.slice(0, -1) + last;
          const text = `my card is ${spell(wrong, { style, separators: [" "], script: "ascii", ohForZero: false }, () => 0)} ok`;
          expect(findCardNumbers(text)).toEqual([]);
        },
      ),
    );
  });

  it("never reads phone numbers, dates, times, amounts, ids or tracking numbers as cards", () => {
    const d = (n: number) => fc.integer({ min: 0, max: 10 ** n - 1 }).map((v) => String(v).padStart(n, "0"));
    const phone = fc
      .tuple(
        fc.integer({ min: 200, max: 999 }),
        d(3),
        d(4),
        fc.constantFrom("-", " ", ".", " - ", ", "),
        fc.constantFrom("", "+1 ", "1-", "("),
      )
      .map(([area, exchange, line, sep, lead]) =>
        lead === "(" ? `(${area}) ${exchange}-${line}` : `${lead}${area}${sep}${exchange}${sep}${line}`,
      );
    const date = fc
      .date({ min: new Date("1990-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
      .chain((day) =>
        fc.constantFrom(
          day.toISOString().slice(0, 10),
          day.toISOString(),
          day.toLocaleDateString("en-US"),
          day.toLocaleDateString("de-DE"),
        ),
      );
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), d(2)).map(([h, m]) => `${h}:${m}`);
    const amount = fc
      .integer({ min: 0, max: 999_999_999 })
      .map((cents) => `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: 2 })}`);
    const tracking = fc.oneof(
      d(8).map((n) => `1Z999AA1${n}`),
      fc.tuple(d(10), d(12)).map(([a, b]) => `9${a}${b}`.slice(0, 22)),
    );
    const token = fc.oneof(phone, date, time, amount, tracking, fc.uuid(), fc.integer({ min: 0, max: 99 }).map(String));
    const joiner = fc.constantFrom(" and ", ", then ", " or maybe ", ". Also ", " at ");
    fc.assert(
      fc.property(fc.array(fc.tuple(token, joiner), { minLength: 1, maxLength: 6 }), (parts) => {
        const text = parts.map(([t, j]) => t + j).join("");
        expect(findCardNumbers(text)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("never reads a UUID as a card", () => {
    fc.assert(
      fc.property(fc.uuid(), fc.constantFrom("", "slot ", "id: "), (uuid, lead) => {
        expect(containsCardNumber(`${lead}${uuid}`)).toBe(false);
        expect(containsCardNumber(`${lead}${uuid} ${uuid.toUpperCase()}`)).toBe(false);
      }),
    );
  });

  it("returns ordered, non-overlapping spans inside the text for any input", () => {
    const chars = fc.constantFrom(..."0123456789 .,-/\u00a0abc@:o", "one ", "double ", "４", "𝟒", "\ud835");
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 200 }), (parts) => {
        const text = parts.join("");
        let previousEnd = 0;
        for (const span of findCardNumbers(text)) {
          expect(span.start).toBeGreaterThanOrEqual(previousEnd);
          expect(span.end).toBeGreaterThan(span.start);
          expect(span.end).toBeLessThanOrEqual(text.length);
          previousEnd = span.end;
        }
        expect(findCardNumbers(redactCardNumbers(text, MARKER))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
