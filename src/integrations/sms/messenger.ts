/** Outgoing SMS. Messages are written to the `outbox` table with the action that caused them; a messenger delivers them after commit. */

export interface SmsMessage {
  to: string;
  body: string;
}

/**
 * The provider certainly did not take the message (it refused to take any now, or it was never
 * reached): sending it again cannot deliver it twice. Any other failure may have been delivered.
 */
export class SmsNotSentError extends Error {
  override name = "SmsNotSentError";
}

export interface Messenger {
  /** `outbox`: nothing is sent, messages wait in the outbox table (the default without an SMS account). */
  readonly kind: "outbox" | "twilio";
  /** Sends one message; resolves with the provider's id. Throws SmsNotSentError when it certainly was not sent. */
  send(message: SmsMessage, signal?: AbortSignal): Promise<{ providerId: string }>;
}

/** The default: messages stay `pending` in the outbox for a relay or an operator to send. */
export function createOutboxMessenger(): Messenger {
  return {
    kind: "outbox",
    async send() {
      throw new Error("the outbox messenger does not deliver; messages stay in the outbox table");
    },
  };
}
