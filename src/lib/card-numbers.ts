/**
 * The one card-number detector, shared by the tool-argument guard, the logger and the call-record
 * redaction. How it reads text and limits false positives: ./card-numbers/cards.ts.
 */
export { ARGUMENT_SCAN_LIMITS, type ArgumentsScan, argumentsContainCard, scanArguments } from "./card-numbers/arguments.ts";
export { containsCardNumber, findCardNumbers, isCardNumber, isLuhnValid } from "./card-numbers/cards.ts";
export { CARD_DIGITS, type DigitGap, type DigitGroup, digitValue, type TextSpan } from "./card-numbers/characters.ts";
export { findCardNumbersWithDetails, redactCardNumbers, replaceSpans } from "./card-numbers/details.ts";
export { type DigitGroupVisitor, scanDigitGroups } from "./card-numbers/digit-groups.ts";
