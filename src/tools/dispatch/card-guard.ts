/**
 * Card numbers must never enter the system through a tool call: the model may have heard one and
 * put it in any argument. The dispatcher runs this before validation, storage or logging, and a
 * hit refuses the whole call.
 */

// Runs of digits, optionally split by single spaces or dashes (how a spoken number is transcribed).
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;
// Ids such as slotIds are UUIDs; their dash-separated groups can form a Luhn-valid digit run by
// chance (about one in two thousand), and no spoken card number is transcribed in that shape.
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

export const CARD_REFUSAL =
  "For your security I can't take card numbers over the phone, and I haven't kept it. I can text you a secure payment link instead; just ask me to send it.";

/** True when `digits` (13 to 19 of them) passes the Luhn check, as every payment card number does. */
export function isLuhnCardNumber(digits: string): boolean {
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** True when some text holds a Luhn-valid run of 13-19 digits. Longer runs (tracking numbers) are not cards. */
export function containsCardNumber(text: string): boolean {
  for (const match of text.replace(UUID, " ").matchAll(DIGIT_RUN)) {
    if (isLuhnCardNumber(match[0].replace(/[ -]/g, ""))) return true;
  }
  return false;
}

/** Searches every string, number and key of a parsed argument object, however deeply nested. */
export function argumentsContainCard(value: unknown, depth = 0): boolean {
  if (depth > 8) return false;
  if (typeof value === "string") return containsCardNumber(value);
  if (typeof value === "number" || typeof value === "bigint") return containsCardNumber(String(value));
  if (Array.isArray(value)) return value.some((v) => argumentsContainCard(v, depth + 1));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([k, v]) => containsCardNumber(k) || argumentsContainCard(v, depth + 1));
  }
  return false;
}
