/** Confirmations from the payment provider, applied once however often they are delivered. */
import { eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { accounts, customers, invoices, paymentRequests, payments } from "../../db/schema/index.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";

export interface PaymentConfirmation {
  provider: string;
  /** The provider's id of the payment: the same id twice is one payment. */
  externalId: string;
  paymentRequestId: string;
  amountCents: number;
  currency: string;
}

/**
 * Applies a confirmed payment: records it once (unique per provider and id), marks the request
 * paid, and the invoice paid once its payments cover it. A repeated delivery changes nothing.
 */
export async function recordPayment(
  ctx: ServiceContext,
  input: PaymentConfirmation,
): Promise<Result<{ invoiceId: string; invoiceStatus: string; duplicate: boolean }>> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.paymentRequestId)) {
    return fail("not_found", "Unknown payment request.");
  }
  const [request] = await ctx.db
    .select({ id: paymentRequests.id, invoiceId: paymentRequests.invoiceId })
    .from(paymentRequests)
    .where(eq(paymentRequests.id, input.paymentRequestId));
  if (!request) return fail("not_found", "Unknown payment request.");
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
  if (!invoice) return fail("not_found", "Unknown invoice.");
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
  let status = invoice.status;
  if (invoice.status === "open" && (paid?.total ?? 0) >= invoice.amountCents) {
    await ctx.db
      .update(invoices)
      .set({ status: "paid", paidAt: ctx.clock.now(), updatedAt: sql`now()` })
      .where(eq(invoices.id, invoice.id));
    status = "paid";
  }
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.phone(invoice.phone)], ctx.logger));
  return ok({ invoiceId: invoice.number, invoiceStatus: status, duplicate: false });
}
