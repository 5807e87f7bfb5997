/**
 * Card numbers must never enter the system through a tool call: the model may have heard one and
 * put it in any argument. The dispatcher runs this before validation, storage or logging, and a
 * hit refuses the whole call. What counts as a card (any separators, other-script digits, digit
 * words) is decided by the one detector the logger and the call-record redaction use too.
 */
export { argumentsContainCard } from "../../lib/card-numbers.ts";

export const CARD_REFUSAL =
  "For your security I can't take card numbers over the phone, and I haven't kept it. I can text you a secure payment link instead; just ask me to send it.";
