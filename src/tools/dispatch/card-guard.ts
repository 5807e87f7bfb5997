/**
 * Card numbers must never enter the system through a tool call: the model may have heard one and
 * put it in any argument. The dispatcher runs this before validation, storage or logging, and a
 * hit refuses the whole call. What counts as a card (any separators, other-script digits, digit
 * words) is decided by the one detector the logger and the call-record redaction use too.
 */
export { argumentsContainCard, scanArguments } from "../../lib/card-numbers.ts";

export const CARD_REFUSAL =
  "For your security I can't take card numbers over the phone, and I haven't kept it. I can text you a secure payment link instead; just ask me to send it.";

/** Arguments longer or deeper than the guard reads: refused unrun, as a mistake the model can correct. */
export const ARGUMENTS_TOO_LARGE = "The request was too long to check, so it wasn't run. Ask again with just the details needed.";

/** A NUL character in an argument: no stored text can hold one, so it is the model's mistake, not our outage. */
export const ARGUMENTS_WITH_NUL = "Invalid arguments: text must not contain NUL characters (\\u0000). Ask again with plain text.";
