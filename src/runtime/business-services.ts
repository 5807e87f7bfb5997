/**
 * The business services tools and routes are built with (payment links, SMS), chosen from the
 * configuration. Fetch and Web Crypto only, so Node and Workers entries build them the same way.
 */
import type { Config } from "../config.ts";
import type { Database } from "../db/client.ts";
import type { PaymentProvider } from "../integrations/payment-providers/provider.ts";
import { createSignedLinkProvider } from "../integrations/payment-providers/signed-link.ts";
import { createStripeProvider } from "../integrations/payment-providers/stripe.ts";
import { createOutboxMessenger, type Messenger } from "../integrations/sms/messenger.ts";
import { createTwilioMessenger } from "../integrations/sms/twilio.ts";
import type { Logger } from "../lib/logger.ts";
import { withoutTrailingSlashes } from "../lib/urls.ts";
import type { PaymentServices } from "../services/billing/payment-links.ts";
import { createOutboxRelay } from "../services/outbox.ts";

declare module "../tools/define-tool.ts" {
  interface BusinessServices extends PaymentServices {}
}

export interface ProviderOverrides {
  payments?: PaymentProvider;
  messenger?: Messenger;
}

/** Raised when signed payment links are the provider and nothing signs them. */
export class PaymentLinkSecretMissingError extends Error {
  override name = "PaymentLinkSecretMissingError";
  constructor() {
    super(
      "PAYMENT_LINK_SECRET is required when PAYMENT_PROVIDER=link: it signs payment links and the confirmations of your payment page. " +
        "Set it to a long random value of its own (not the Vapi secret).",
    );
  }
}

/** Where signed payment links point: PAYMENT_PAGE_URL, else this server's demo page. */
export function paymentPageUrl(config: Config): string {
  return config.PAYMENT_PAGE_URL ?? `${withoutTrailingSlashes(config.PUBLIC_URL ?? `http://localhost:${config.PORT}`)}/pay`;
}

export async function createBusinessServices(
  config: Config,
  deps: {
    db: Database;
    logger: Logger;
    /** Signs payment links: PAYMENT_LINK_SECRET, or the one the Node runtime generated and keeps. Never derived from another secret. */
    paymentLinkSecret?: string | undefined;
    showKeptMessages?: boolean;
  },
  overrides: ProviderOverrides = {},
): Promise<PaymentServices> {
  const payments =
    overrides.payments ??
    (config.PAYMENT_PROVIDER === "stripe"
      ? createStripeProvider({
          secretKey: config.STRIPE_SECRET_KEY!,
          successUrl: config.STRIPE_SUCCESS_URL!,
          webhookSecret: config.STRIPE_WEBHOOK_SECRET,
        })
      : createSignedLinkProvider({
          pageUrl: paymentPageUrl(config),
          secret: requiredLinkSecret(deps.paymentLinkSecret ?? config.PAYMENT_LINK_SECRET),
        }));
  const messenger =
    overrides.messenger ??
    (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM
      ? createTwilioMessenger({ accountSid: config.TWILIO_ACCOUNT_SID, authToken: config.TWILIO_AUTH_TOKEN, from: config.TWILIO_FROM })
      : createOutboxMessenger());
  return {
    payments,
    outbox: createOutboxRelay({ db: deps.db, logger: deps.logger, messenger, showKeptMessages: deps.showKeptMessages ?? false }),
    businessName: config.BUSINESS_NAME,
    linkTtlMs: config.durations.paymentLinkTtlMs,
  };
}

function requiredLinkSecret(secret: string | undefined): string {
  if (!secret) throw new PaymentLinkSecretMissingError();
  return secret;
}
