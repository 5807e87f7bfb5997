/**
 * Confirmations from the payment provider, applied once however often they are delivered. A
 * payment link pays its own request once, for its own amount, before it expires; anything else
 * is refused with the reason, and nothing is recorded.
 */
import { and, eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { accounts, customers, invoices, paymentRequests, payments } from "../../db/schema/index.ts";
import { UUID } from "../../lib/patterns.ts";
import { formatMoney } from "../../lib/speak.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";

/**
 * How long after a link's expiry a payment made with it still counts: a payer who finished on
 * the last second, a Checkout session that Stripe keeps open a minute longer (its minimum is
 * 31 minutes, ours 30). The same window a confirmation's signature is valid for.
 */
export const PAYMENT_GRACE_MS = 5 * 60_000;

export interface PaymentConfirmation {
  provider: string;
  /** The provider's id of the payment: the same id twice is one payment. */
  externalId: string;
  paymentRequestId: string;
  amountCents: number;
  currency: string;
  /** When the payment was made (epoch ms): when the provider says so, else when the confirmation arrived. */
  paidAtMs: number;
}

/** Why a confirmation was not applied; the HTTP edge maps each to a status. */
export type PaymentRefusal = "unknown_request" | "payment_id_reused" | "already_paid" | "expired" | "amount_mismatch" | "invoice_not_open";

export interface RecordedPayment {
  invoiceId: string;
  invoiceStatus: string;
  /** True when this payment id was already recorded: nothing changed. */
  duplicate: boolean;
}

const refuse = (kind: "not_found" | "conflict" | "invalid", reason: PaymentRefusal, message: string): Result<never> =>
  fail(kind, message, { reason });

/** The refusal reason of a failed `recordPayment`, if it was one. */
export function refusalOf(error: { details?: Record<string, unknown> }): PaymentRefusal | undefined {
  return error.details?.reason as PaymentRefusal | undefined;
}

/**
 * Applies a confirmed payment in the caller's transaction. The payment request's row is locked
 * first, so concurrent confirmations of one link are applied one after the other and each sees
 * what the one before it wrote. In order:
 * - the same provider and payment id again: a duplicate, answered as before, nothing changes;
 * - a request already paid by another payment id: refused (a link pays once);
 * - paid after the request's expiry plus `PAYMENT_GRACE_MS`: refused;
 * - an amount or currency other than the request's: refused;
 * - an invoice no longer open (paid through another link, or voided): refused.
 * Otherwise the payment is recorded, the request marked paid, and the invoice paid once its
 * payments cover it.
 */
export async function recordPayment(ctx: ServiceContext, input: PaymentConfirmation): Promise<Result<RecordedPayment>> {
  if (!UUID.test(input.paymentRequestId)) return refuse("not_found", "unknown_request", "Unknown payment request.");
  const [request] = await ctx.db
    .select({
      id: paymentRequests.id,
      invoiceId: paymentRequests.invoiceId,
      status: paymentRequests.status,
      amountCents: paymentRequests.amountCents,
      currency: paymentRequests.currency,
      expiresAt: paymentRequests.expiresAt,
    })
    .from(paymentRequests)
    .where(eq(paymentRequests.id, input.paymentRequestId))
    .for("update");
  if (!request) return refuse("not_found", "unknown_request", "Unknown payment request.");

  const [recorded] = await ctx.db
    .select({ paymentRequestId: payments.paymentRequestId })
    .from(payments)
    .where(and(eq(payments.provider, input.provider), eq(payments.externalId, input.externalId)));
  if (recorded) {
    if (recorded.paymentRequestId !== request.id) {
      return refuse("conflict", "payment_id_reused", "This payment id was already recorded for another payment request.");
    }
    const [invoice] = await ctx.db
      .select({ number: invoices.number, status: invoices.status })
      .from(invoices)
      .where(eq(invoices.id, request.invoiceId));
    return ok({ invoiceId: invoice?.number ?? "", invoiceStatus: invoice?.status ?? "unknown", duplicate: true });
  }

  if (request.status === "paid") return refuse("conflict", "already_paid", "This payment link was already used for another payment.");
  if (input.paidAtMs > request.expiresAt.getTime() + PAYMENT_GRACE_MS) {
    return refuse("conflict", "expired", `This payment link expired at ${request.expiresAt.toISOString()}.`);
  }
  if (input.amountCents !== request.amountCents || input.currency.toUpperCase() !== request.currency.toUpperCase()) {
    return refuse(
      "invalid",
      "amount_mismatch",
      `The payment of ${formatMoney(input.amountCents, input.currency)} does not match the ${formatMoney(request.amountCents, request.currency)} requested.`,
    );
  }

  const [invoice] = await ctx.db
    .select({
      id: invoices.id,
      number: invoices.number,
      amountCents: invoices.amountCents,
      status: invoices.status,
      phone: customers.phone,
    })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .innerJoin(customers, eq(customers.id, accounts.customerId))
    .where(eq(invoices.id, request.invoiceId))
    .for("update", { of: invoices });
  if (!invoice) return refuse("not_found", "unknown_request", "Unknown invoice.");
  if (invoice.status !== "open") {
    const why = invoice.status === "paid" ? "is already paid" : "is no longer payable";
    return refuse("conflict", "invoice_not_open", `Invoice ${invoice.number} ${why}.`);
  }

  const inserted = await ctx.db
    .insert(payments)
    .values({
      invoiceId: invoice.id,
      paymentRequestId: request.id,
      provider: input.provider,
      externalId: input.externalId,
      amountCents: input.amountCents,
      currency: input.currency,
    })
    .onConflictDoNothing({ target: [payments.provider, payments.externalId] })
    .returning({ id: payments.id });
  if (inserted.length === 0) return ok({ invoiceId: invoice.number, invoiceStatus: invoice.status, duplicate: true });
  await ctx.db.update(paymentRequests).set({ status: "paid" }).where(eq(paymentRequests.id, request.id));
  const [paid] = await ctx.db
    .select({ total: sql<number>`coalesce(sum(${payments.amountCents}), 0)::int` })
    .from(payments)
    .where(eq(payments.invoiceId, invoice.id));
  let status: string = invoice.status;
  if ((paid?.total ?? 0) >= invoice.amountCents) {
    await ctx.db
      .update(invoices)
      .set({ status: "paid", paidAt: ctx.clock.now(), updatedAt: sql`now()` })
      .where(eq(invoices.id, invoice.id));
    status = "paid";
  }
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.phone(invoice.phone)], ctx.logger));
  return ok({ invoiceId: invoice.number, invoiceStatus: status, duplicate: false });
}
