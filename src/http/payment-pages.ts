/**
 * Payment confirmations, the other half of payment links. Each route verifies its provider's
 * signature over the raw body (fail closed) and applies the payment once, however often it is
 * delivered. Also a small demo payment page for the embedded default (no PAYMENT_PAGE_URL).
 */
import { Hono } from "hono";
import { html } from "hono/html";
import { z } from "zod";
import { type AppDeps, serviceContext } from "../deps.ts";
import type { SignedLinkProvider } from "../integrations/payment-providers/signed-link.ts";
import type { StripePaymentProvider } from "../integrations/payment-providers/stripe.ts";
import { Lease, rawCost } from "../lib/byte-budget.ts";
import { formatMoney, speakDateTime } from "../lib/speak.ts";
import { type PaymentConfirmation, recordPayment, refusalOf } from "../services/billing/payments.ts";
import { inTransaction } from "../services/context.ts";
import { declaredLength, readBodyWithin } from "./body.ts";
import { jsonError } from "./errors.ts";

/** A payment confirmation is small; anything larger is refused before it is read. */
const MAX_CONFIRMATION_BYTES = 256 * 1024;

const linkConfirmation = z.object({
  token: z.string().min(10).max(4000),
  /** The payment page's id for the payment: the same id twice is one payment. */
  paymentId: z.string().min(1).max(200),
  /** What was actually charged; defaults to the amount in the token. */
  amountCents: z.number().int().min(0).optional(),
});

/** Seconds a refused sender is asked to wait (Stripe retries on its own schedule). */
const RETRY_AFTER_SECONDS = "2";

/** Routes under `/payments` and the demo page at `/pay`. */
export function paymentRoutes(deps: AppDeps) {
  const app = new Hono<{ Variables: { rawText: string } }>();
  const provider = deps.services.payments;
  const link = provider.name === "link" ? (provider as SignedLinkProvider) : undefined;
  const stripe = provider.name === "stripe" ? (provider as StripePaymentProvider) : undefined;
  const now = () => deps.clock.now().getTime();

  const apply = (confirmation: PaymentConfirmation) => inTransaction(serviceContext(deps), (ctx) => recordPayment(ctx, confirmation));

  // Anyone can post here, and the signature covers the raw body: so the body is read like the
  // webhook's unverified ones (ADR 9): bounded in size and time, from the small budget of bodies
  // not yet verified, released once the answer is built.
  app.use("/payments/*", async (c, next) => {
    if (c.req.method !== "POST") return next();
    const declared = declaredLength(c.req.raw);
    if (declared !== undefined && declared > MAX_CONFIRMATION_BYTES) return jsonError(c, "payload_too_large", "Body too large.");
    const lease = new Lease(deps.bodyBudgets.unverified);
    try {
      const busy = () =>
        jsonError(c, "busy", "The server is busy with other requests; retry shortly.", { "retry-after": RETRY_AFTER_SECONDS });
      if (declared !== undefined && !lease.growTo(rawCost(declared))) return busy();
      const config = deps.config;
      const body = await readBodyWithin(c.req.raw, { maxBytes: MAX_CONFIRMATION_BYTES, timeoutMs: config.BODY_READ_TIMEOUT_MS, lease });
      if (body === "too-large" || body === "never-fits") return jsonError(c, "payload_too_large", "Body too large.");
      if (body === "over-budget") return busy();
      if (body === "timeout")
        return jsonError(c, "body_timeout", `The request body did not arrive within ${config.BODY_READ_TIMEOUT_MS} ms.`);
      if (body === "aborted") return jsonError(c, "body_aborted", "The request body could not be read.");
      c.set("rawText", new TextDecoder().decode(body));
      await next();
    } finally {
      lease.release();
    }
  });

  app.post("/payments/link/confirm", async (c) => {
    if (!link) return jsonError(c, "not_found", "Signed payment links are not the configured provider.");
    const raw = c.get("rawText");
    const signed = await link.verifyConfirmation(
      raw,
      c.req.header("x-switchboard-timestamp"),
      c.req.header("x-switchboard-signature"),
      now(),
    );
    if (!signed) {
      deps.logger.warn("payment confirmation rejected", { reason: "signature" });
      return jsonError(c, "unauthorized", "Missing, stale or invalid signature.");
    }
    let parsed: z.infer<typeof linkConfirmation>;
    try {
      parsed = linkConfirmation.parse(JSON.parse(raw));
    } catch {
      return jsonError(c, "invalid_request", "Expected { token, paymentId, amountCents? }.");
    }
    // The token's own expiry is not checked here: the payment request's, with its grace, decides (recordPayment).
    const token = await link.verifyToken(parsed.token, now(), true);
    if (!token.ok) return jsonError(c, "invalid_token", "The payment token is not valid.");
    const result = await apply({
      provider: "link",
      externalId: parsed.paymentId,
      paymentRequestId: token.token.r,
      amountCents: parsed.amountCents ?? token.token.a,
      currency: token.token.c,
      paidAtMs: now(),
    });
    if (!result.ok) {
      const reason = refusalOf(result.error) ?? "unknown_request";
      deps.logger.warn("payment confirmation refused", { provider: "link", reason, paymentRequestId: token.token.r });
      return jsonError(c, reason, result.error.message);
    }
    return c.json(result.value);
  });

  app.post("/payments/stripe/webhook", async (c) => {
    if (!stripe) return jsonError(c, "not_found", "Stripe is not the configured payment provider.");
    const raw = c.get("rawText");
    let confirmation: Awaited<ReturnType<StripePaymentProvider["verifyWebhook"]>>;
    try {
      confirmation = await stripe.verifyWebhook(raw, c.req.header("stripe-signature") ?? "", now());
    } catch (err) {
      deps.logger.warn("stripe webhook rejected", { err });
      return jsonError(c, "invalid_signature", "The Stripe signature could not be verified.");
    }
    if (!confirmation) return c.json({ received: true });
    if (!confirmation.paymentRequestId) return c.json({ received: true, ignored: "no payment request id" });
    const result = await apply({
      provider: "stripe",
      externalId: confirmation.sessionId,
      paymentRequestId: confirmation.paymentRequestId,
      amountCents: confirmation.amountCents,
      currency: confirmation.currency,
      paidAtMs: confirmation.paidAtMs,
    });
    if (result.ok) return c.json({ received: true, ...result.value });
    // Stripe retries non-2xx answers, and a refused payment will not become acceptable: it is
    // acknowledged and not applied. Stripe has taken the money, so someone must refund it.
    const reason = refusalOf(result.error) ?? "unknown_request";
    deps.logger.warn("stripe payment not applied; refund it in Stripe", {
      reason,
      paymentRequestId: confirmation.paymentRequestId,
      sessionId: confirmation.sessionId,
    });
    return c.json({ received: true, ignored: result.error.message, reason });
  });

  app.get("/pay", async (c) => {
    if (!link) return c.notFound();
    const check = await link.verifyToken(c.req.query("token") ?? "", now());
    if (!check.ok) {
      const why =
        check.reason === "expired" ? "This payment link has expired. Please call us for a new one." : "This payment link is not valid.";
      return c.html(page("Payment link", html`<p>${why}</p>`), check.reason === "expired" ? 410 : 400);
    }
    const t = check.token;
    return c.html(
      page(
        `Pay invoice ${t.i}`,
        html`<p>Invoice <strong>${t.i}</strong>: <strong>${formatMoney(t.a, t.c)}</strong>.</p>
          <p>Link valid until ${speakDateTime(new Date(t.e * 1000), deps.config.BUSINESS_TIMEZONE)}.</p>
          <p><em>This is Switchboard's demo page and takes no payments. Set PAYMENT_PAGE_URL to your payment page, or PAYMENT_PROVIDER=stripe.</em></p>`,
      ),
    );
  });

  return app;
}

function page(title: string, body: ReturnType<typeof html>) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
      </head>
      <body style="font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
        <h1>${title}</h1>
        ${body}
      </body>
    </html>`;
}
