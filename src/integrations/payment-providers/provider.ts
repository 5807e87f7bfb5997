/** Payment links: how a caller pays without ever saying a card number on the phone. */

export interface PaymentLinkRequest {
  /** Our id for this request; it comes back with the provider's confirmation. */
  paymentRequestId: string;
  invoiceNumber: string;
  /** From the database, in minor units; never from the model. */
  amountCents: number;
  currency: string;
  expiresAt: Date;
  /** Same key, same link: a retried request never creates a second checkout. */
  idempotencyKey: string;
}

export interface PaymentLink {
  url: string;
  /** The provider's id for the link (a Stripe Checkout session id), when it has one. */
  externalId?: string;
}

export interface PaymentProvider {
  readonly name: "link" | "stripe";
  createLink(request: PaymentLinkRequest, signal?: AbortSignal): Promise<PaymentLink>;
}
