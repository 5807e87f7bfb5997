/**
 * Card numbers as callers, speech-to-text and models write them: the spellings that got through
 * in production, and generators of Luhn-valid cards from real issuer prefixes in every spelling,
 * inside sentences with an expiry and a CVV. Shared by the detector's unit tests and the
 * end-to-end tests of every path a card could take (tool arguments, call records, logs).
 */
import fc from "fast-check";
import { isLuhnValid } from "../../src/lib/card-numbers.ts";

/** Full-width digits (U+FF10..U+FF19) for ASCII ones. */
export const fullWidth = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));

// Every format that was booked, stored or logged in production, then the same inside a sentence.
export const BYPASSES: ReadonlyArray<[string, string]> = [
  ["commas", "4111, 1111, 1111, 1111"],
  ["commas without spaces", "4111,1111,1111,1111"],
  ["periods", "4111.1111.1111.1111"],
  ["speech-to-text pauses", "4111. 1111. 1111. 1111."],
  ["spaced dashes", "4111 - 1111 - 1111 - 1111"],
  ["en and em dashes", "4111–1111 — 1111—1111"],
  ["double spaces", "4111  1111  1111  1111"],
  ["slashes", "4111/1111/1111/1111"],
  ["no-break spaces", "4111\u00a01111\u00a01111\u00a01111"],
  ["narrow no-break spaces", "4111\u202f1111\u202f1111\u202f1111"],
  ["zero-width spaces", "4111\u200b1111\u200b1111\u200b1111"],
  ["full-width digits", fullWidth("4111 1111 1111 1111")],
  ["full-width digits and separators", "４１１１－１１１１，１１１１／１１１１"],
  ["Amex 4-6-5", "3782 822463 10005"],
  ["Diners 4-6-4", "3056 930902 5904"],
  ["13-digit Visa", "4222 2222 2222 2"],
  ["one block", "5555555555554444"],
  ["tabs and newlines", "4111\t1111\n1111\r\n1111"],
  ["a hesitation between groups", "4111 1111 uh 1111 1111"],
  ["digit words", "four one one one one one one one one one one one one one one one"],
  ["digit words with pauses", "four one one one, one one one one, one one one one, one one one one"],
  ["oh for zero and double", "six oh one one, double one one one, one one one one, one one one seven"],
  ["triple", "four triple one, one one one one, one one one one, one one one one"],
  ["capitalised words", "Four One One One One One One One One One One One One One One One"],
  ["single digits", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1"],
  ["Arabic-Indic digits", "٤١١١ ١١١١ ١١١١ ١١١١"],
  ["mathematical bold digits", "𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏"],
  ["pauses mid-group", "4111 11 11 1111 1111"],
  ["words and numerals mixed", "4111 one one one one, 1111 1111"],
  ["words then numerals", "four one one one 1111 1111 1111"],
];

/** Appends the Luhn check digit to `body`. */
export function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) if (isLuhnValid(body + d)) return body + d;
  throw new Error("unreachable");
}

export const ISSUERS: ReadonlyArray<{ prefixes: () => fc.Arbitrary<string>; lengths: readonly number[] }> = [
  { prefixes: () => fc.constant("4"), lengths: [13, 16, 19] }, // Visa
  { prefixes: () => fc.integer({ min: 51, max: 55 }).map(String), lengths: [16] }, // Mastercard
  { prefixes: () => fc.integer({ min: 2221, max: 2720 }).map(String), lengths: [16] }, // Mastercard 2-series
  { prefixes: () => fc.constantFrom("34", "37"), lengths: [15] }, // Amex
  { prefixes: () => fc.constantFrom("6011", "65", "644", "649"), lengths: [16, 19] }, // Discover
  { prefixes: () => fc.integer({ min: 3528, max: 3589 }).map(String), lengths: [16, 19] }, // JCB
  { prefixes: () => fc.constantFrom("36", "300", "305", "38"), lengths: [14, 16] }, // Diners
  { prefixes: () => fc.constant("62"), lengths: [16, 19] }, // UnionPay
  { prefixes: () => fc.integer({ min: 2200, max: 2204 }).map(String), lengths: [16, 19] }, // Mir
];

export const cardArb: fc.Arbitrary<string> = fc
  .constantFrom(...ISSUERS)
  .chain((issuer) => fc.tuple(issuer.prefixes(), fc.constantFrom(...issuer.lengths)))
  .chain(([prefix, length]) =>
    fc
      .array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1 - prefix.length, maxLength: length - 1 - prefix.length })
      .map((rest) => withCheckDigit(prefix + rest.join(""))),
  );

/** Splits a card into groups the way people and speech-to-text write it. */
export function groupSizes(length: number, style: "block" | "fours" | "amex" | "singles"): number[] {
  if (style === "block") return [length];
  if (style === "singles") return new Array(length).fill(1);
  if (style === "amex" && (length === 15 || length === 14)) return [4, 6, length - 10];
  const sizes: number[] = [];
  for (let left = length; left > 0; left -= 4) sizes.push(Math.min(4, left));
  return sizes;
}

export const SEPARATORS = [" ", "  ", "-", " - ", ".", ". ", ",", ", ", "/", " / ", "\u00a0", "\u202f", "–", " — ", "\t", "\u200b", " uh "];
export const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
export const DIGIT_SCRIPTS = ["ascii", "full-width", "words", "mixed-width", "words-and-digits"] as const;

export interface Spelling {
  style: "block" | "fours" | "amex" | "singles";
  separators: string[];
  script: (typeof DIGIT_SCRIPTS)[number];
  ohForZero: boolean;
}

export const spellingArb: fc.Arbitrary<Spelling> = fc.record({
  style: fc.constantFrom("block", "fours", "amex", "singles"),
  separators: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 1, maxLength: 3 }),
  script: fc.constantFrom(...DIGIT_SCRIPTS),
  ohForZero: fc.boolean(),
});

/** Digit words for `digits`, with "oh" for zero and "double"/"triple" for repeats as people say them. */
export function sayDigits(digits: string, spelling: Spelling, pick: (n: number) => number): string {
  const words: string[] = [];
  for (let i = 0; i < digits.length; ) {
    const d = digits[i]!;
    const word = d === "0" && spelling.ohForZero ? "oh" : WORDS[Number(d)]!;
    let run = 1;
    while (run < 3 && digits[i + run] === d) run++;
    if (run >= 2 && pick(2) === 0) {
      words.push(run === 3 ? "triple" : "double", word);
      i += run;
    } else {
      words.push(word);
      i++;
    }
  }
  return words.join(" ");
}

/** Writes `card` in a spelling; a separator is chosen per gap from the spelling's set. */
export function spell(card: string, spelling: Spelling, pick: (n: number) => number): string {
  const someWords = spelling.script === "words" || spelling.script === "words-and-digits";
  // Words are always separate tokens: a block of digit words is written word by word.
  const sizes = groupSizes(card.length, someWords && spelling.style === "block" ? "fours" : spelling.style);
  const parts: string[] = [];
  const spoken: boolean[] = [];
  let at = 0;
  for (const size of sizes) {
    const digits = card.slice(at, at + size);
    at += size;
    const words = spelling.script === "words" || (spelling.script === "words-and-digits" && pick(2) === 0);
    spoken.push(words);
    if (words) {
      parts.push(sayDigits(digits, spelling, pick));
    } else if (spelling.script === "full-width" || (spelling.script === "mixed-width" && pick(2) === 0)) {
      parts.push(fullWidth(digits));
    } else {
      parts.push(digits);
    }
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i++) {
    // Words need a space-like separator; a glued "-" or "." between words is fine, "/" too.
    const separator = spelling.separators[pick(spelling.separators.length)]!;
    out += (spoken[i - 1] || spoken[i]) && separator === "\u200b" ? " " : separator;
    out += parts[i]!;
  }
  return out;
}

export const SENTENCE_WORDS = [
  "my",
  "card",
  "is",
  "sure",
  "it's",
  "the",
  "number",
  "please",
  "okay",
  "so",
  "yes",
  "here",
  "you",
  "go",
  "thanks",
  "right",
  "that's",
];
export const DETAILS = [
  "",
  " exp 12/28 cvv 123",
  ", expiry twelve twenty eight, security code one two three",
  " 12 28 123",
  ", valid thru 01/30, cvc 987",
  " thanks, the CVV is 456",
];
export const LEADING_DETAILS = ["", "exp 12/28 cvv 123, ", "the security code is one two three and "];

export const sentenceArb = fc.record({
  before: fc.array(fc.constantFrom(...SENTENCE_WORDS), { maxLength: 6 }),
  after: fc.array(fc.constantFrom(...SENTENCE_WORDS), { maxLength: 6 }),
  leading: fc.constantFrom(...LEADING_DETAILS),
  details: fc.constantFrom(...DETAILS),
  end: fc.constantFrom("", ".", "?", "!", ","),
});

/** Digits of any script and number words: what must not survive a redaction. */
export const NUMERIC = /[\p{Nd}]|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|twelve|twenty)\b/iu;

/** A generated card written in a generated spelling inside a generated sentence; `digits` is the card itself. */
export const cardInSentenceArb: fc.Arbitrary<{ digits: string; written: string; text: string }> = fc
  .tuple(cardArb, spellingArb, sentenceArb, fc.infiniteStream(fc.nat()))
  .map(([card, spelling, sentence, randoms]) => {
    const iterator = randoms[Symbol.iterator]();
    const pick = (n: number) => iterator.next().value! % n;
    const written = spell(card, spelling, pick);
    const prefix = sentence.before.length > 0 ? `${sentence.before.join(" ")} ` : "";
    const suffix = sentence.after.length > 0 ? ` ${sentence.after.join(" ")}` : "";
    return { digits: card, written, text: `${sentence.leading}${prefix}${written}${sentence.details}${suffix}${sentence.end}` };
  });
