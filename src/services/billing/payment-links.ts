/** Payment links texted to the caller: the amount comes from the database, never from the model. */
import { and, asc, eq, sql } from "drizzle-orm";
import { accounts, customers, invoices, paymentRequests } from "../../db/schema/index.ts";
import type { PaymentProvider } from "../../integrations/payment-providers/provider.ts";
import { normalizeReference } from "../../lib/patterns.ts";
import { formatMoney, speakDayTime } from "../../lib/speak.ts";
import { fail, ok, phoneEnding, type Result, type ServiceContext } from "../context.ts";
import { type OutboxRelay, queueSms } from "../outbox.ts";

export interface PaymentServices {
  payments: PaymentProvider;
  outbox: OutboxRelay;
  businessName: string;
  linkTtlMs: number;
}

export interface SentPaymentLink {
  sent: true;
  to: string;
  invoiceId: string;
  amount: string;
  expires: string;
}

/**
 * Texts the caller a link to pay one of their open invoices (the given one, else the one due
 * first). Must run in a transaction: the payment request and the SMS commit together, and the
 * SMS is delivered only after that.
 */
export async function sendPaymentLink(
  ctx: ServiceContext,
  deps: PaymentServices,
  input: { callerNumber: string; invoiceId?: string | undefined; idempotencyKey: string },
): Promise<Result<SentPaymentLink>> {
  const owned = ctx.db
    .select({
      id: invoices.id,
      number: invoices.number,
      amountCents: invoices.amountCents,
      currency: invoices.currency,
      status: invoices.status,
    })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .innerJoin(customers, eq(customers.id, accounts.customerId));
  let invoice: Awaited<typeof owned>[number] | undefined;
  if (input.invoiceId) {
    const wanted = normalizeReference(input.invoiceId);
    [invoice] = await owned.where(
      and(eq(customers.phone, input.callerNumber), sql`regexp_replace(upper(${invoices.number}), '[^A-Z0-9]', '', 'g') = ${wanted}`),
    );
    if (!invoice) return fail("not_found", "I couldn't find that invoice for the phone number you're calling from.");
    if (invoice.status === "paid") return fail("invalid", `Invoice ${invoice.number} is already paid. There's nothing to pay on it.`);
    if (invoice.status !== "open") return fail("invalid", `Invoice ${invoice.number} is no longer payable.`);
  } else {
    [invoice] = await owned
      .where(and(eq(customers.phone, input.callerNumber), eq(invoices.status, "open")))
      .orderBy(asc(invoices.dueDate))
      .limit(1);
    if (!invoice) return fail("not_found", "I don't see any open invoices for the phone number you're calling from.");
  }

  const expiresAt = new Date(ctx.clock.now().getTime() + deps.linkTtlMs);
  const paymentRequestId = crypto.randomUUID();
  const link = await deps.payments.createLink({
    paymentRequestId,
    invoiceNumber: invoice.number,
    amountCents: invoice.amountCents,
    currency: invoice.currency,
    expiresAt,
    idempotencyKey: input.idempotencyKey,
  });
  await ctx.db.insert(paymentRequests).values({
    id: paymentRequestId,
    invoiceId: invoice.id,
    provider: deps.payments.name,
    externalId: link.externalId ?? null,
    amountCents: invoice.amountCents,
    currency: invoice.currency,
    sentTo: input.callerNumber,
    expiresAt,
    toolCallId: input.idempotencyKey,
  });
  const amount = formatMoney(invoice.amountCents, invoice.currency);
  const expires = speakDayTime(expiresAt, ctx.clock.now(), ctx.timeZone);
  await queueSms(ctx, deps.outbox, {
    to: input.callerNumber,
    body: `${deps.businessName}: pay invoice ${invoice.number} (${amount}) securely here: ${link.url} . The link expires ${expires}.`,
    toolCallId: input.idempotencyKey,
  });
  return ok({ sent: true, to: phoneEnding(input.callerNumber), invoiceId: invoice.number, amount, expires });
}
