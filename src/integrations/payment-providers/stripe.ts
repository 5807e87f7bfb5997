/**
 * Stripe Checkout through the official `stripe` package with its fetch-based HTTP client and
 * Web Crypto signature checks, so the same code runs on Node and on Workers.
 */
import Stripe from "stripe";
import type { PaymentLink, PaymentLinkRequest, PaymentProvider } from "./provider.ts";

export interface StripeOptions {
  secretKey: string;
  /** Where Checkout sends the payer afterwards. */
  successUrl: string;
  /** Signing secret of the webhook endpoint (whsec_...), to verify confirmations. */
  webhookSecret?: string | undefined;
  /** Tests point these at a local server standing in for Stripe's API. */
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  timeoutMs?: number;
}

/** A completed payment as Stripe reports it, reduced to what marking an invoice paid needs. */
export interface StripeConfirmation {
  sessionId: string;
  paymentRequestId: string | undefined;
  amountCents: number;
  currency: string;
  /** When Stripe created the event, i.e. when the session completed (epoch ms). */
  paidAtMs: number;
}

export interface StripePaymentProvider extends PaymentProvider {
  readonly name: "stripe";
  /**
   * Verifies a webhook delivery over its raw body. Resolves a confirmation for a paid
   * `checkout.session.completed`, null for any other (verified) event; rejects a bad signature
   * and a delivery signed more than `STRIPE_WEBHOOK_TOLERANCE_S` before `nowMs` (epoch ms).
   */
  verifyWebhook(rawBody: string, signatureHeader: string, nowMs: number): Promise<StripeConfirmation | null>;
}

/** How old a signed webhook delivery may be (seconds), as Stripe's libraries default to: older ones are replays. */
export const STRIPE_WEBHOOK_TOLERANCE_S = 300;

// Stripe allows a Checkout session to live between 30 minutes and 24 hours.
const MIN_EXPIRY_S = 31 * 60;
const MAX_EXPIRY_S = 24 * 60 * 60 - 60;

export function createStripeProvider(options: StripeOptions): StripePaymentProvider {
  const stripe = new Stripe(options.secretKey, {
    httpClient: Stripe.createFetchHttpClient(),
    maxNetworkRetries: 1,
    // Inside send_payment_link's 5 s budget; a retried call reuses the session (idempotency key).
    timeout: options.timeoutMs ?? 4_000,
    ...(options.host ? { host: options.host } : {}),
    ...(options.port ? { port: options.port } : {}),
    ...(options.protocol ? { protocol: options.protocol } : {}),
  });
  const crypto = Stripe.createSubtleCryptoProvider();
  return {
    name: "stripe",
    async createLink(request: PaymentLinkRequest): Promise<PaymentLink> {
      const nowS = Math.floor(Date.now() / 1000);
      const wanted = Math.floor(request.expiresAt.getTime() / 1000) - nowS;
      const session = await stripe.checkout.sessions.create(
        {
          mode: "payment",
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: request.currency.toLowerCase(),
                unit_amount: request.amountCents,
                product_data: { name: `Invoice ${request.invoiceNumber}` },
              },
            },
          ],
          success_url: options.successUrl,
          expires_at: nowS + Math.min(Math.max(wanted, MIN_EXPIRY_S), MAX_EXPIRY_S),
          client_reference_id: request.paymentRequestId,
          metadata: { payment_request_id: request.paymentRequestId, invoice_number: request.invoiceNumber },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      if (!session.url) throw new Error("Stripe returned a Checkout session without a URL");
      return { url: session.url, externalId: session.id };
    },
    async verifyWebhook(rawBody, signatureHeader, nowMs) {
      if (!options.webhookSecret) throw new Error("STRIPE_WEBHOOK_SECRET is not configured");
      // receivedAt is in milliseconds: given seconds, every signed event looked as if from the future, however old.
      const event = await stripe.webhooks.constructEventAsync(
        rawBody,
        signatureHeader,
        options.webhookSecret,
        STRIPE_WEBHOOK_TOLERANCE_S,
        crypto,
        nowMs,
      );
      if (event.type !== "checkout.session.completed" && event.type !== "checkout.session.async_payment_succeeded") return null;
      const session = event.data.object;
      if (session.payment_status !== "paid") return null;
      return {
        sessionId: session.id,
        paymentRequestId: session.metadata?.payment_request_id ?? session.client_reference_id ?? undefined,
        amountCents: session.amount_total ?? 0,
        currency: (session.currency ?? "usd").toUpperCase(),
        paidAtMs: event.created * 1000,
      };
    },
  };
}
