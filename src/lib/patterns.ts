/**
 * The shapes Switchboard recognizes in text, each defined once: phone numbers, ids, and the
 * references callers read out (tracking numbers, confirmation codes, account and invoice numbers).
 * Card numbers have a detector of their own (./card-numbers.ts): no pattern can describe them.
 */

/** An E.164 phone number: "+" and 7 to 15 digits, no leading zero. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** What to say about a number that is not E.164 (config, REST API and services share it). */
export const E164_MESSAGE = "must be an E.164 number such as +15551234567";

/** A UUID in its 8-4-4-4-12 hex form (slot and payment request ids). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is an E.164 phone number. */
export function isE164(value: string): boolean {
  return E164.test(value);
}

/**
 * A reference as spoken or typed, reduced to what identifies it: letters upper-cased, everything
 * but letters and digits dropped ("1z 999-aa1" and "1Z999AA1" are one tracking number; "k7 p2-qm"
 * is confirmation code "K7P2QM"; "inv 1001" is invoice "INV1001").
 */
export function normalizeReference(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, "");
}
