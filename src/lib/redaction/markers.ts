/** What replaces each kind of personal data; a reader of the record still sees what was said. */
export const CARD_MARKER = "[card number]";
export const CALLER_MARKER = "[caller number]";
export const EMAIL_MARKER = "[email]";
export const NUMBER_MARKER = "[number]";
/** One of the server's own secrets (a token, a key): never stored. */
export const SECRET_MARKER = "[secret]";
