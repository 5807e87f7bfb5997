/**
 * Accounts, invoices and payments: the caller's balance (read through the cache), payment links
 * texted to the caller (amount from the database, never from the model), and confirmations from
 * the payment provider, applied once however often they are delivered.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { cacheKeys, cacheTtl, genKeys } from "../cache/keys.ts";
import { invalidate, readThrough } from "../cache/read-through.ts";
import { accounts, customers, type INVOICE_STATUSES, invoices, paymentRequests, payments } from "../db/schema/index.ts";
import type { PaymentProvider } from "../payments/provider.ts";
import { formatMoney, localDate, speakDate, speakDateTime } from "../speak.ts";
import { fail, MATCHES_NOTHING, ok, phoneEnding, type Result, type ServiceContext } from "./context.ts";
import { ensureCustomer } from "./customers.ts";
import { type OutboxRelay, queueSms } from "./messages.ts";

interface CachedAccount {
  accountNumber: string;
  currency: string;
  open: { invoiceId: string; amountCents: number; currency: string; dueDate: string }[];
}

export interface AccountBalance {
  accountNumber: string;
  balance: string;
  dueDate?: string;
  overdue?: boolean;
  openInvoices: { invoiceId: string; amount: string; dueDate: string }[];
}

/** A calendar date (no time zone) spoken as such: "Friday, March 13". */
const speakCalendarDate = (date: string) => speakDate(new Date(`${date}T12:00:00Z`), "UTC");

/** The caller's accounts with their open invoices, read through the cache. */
function callerAccounts(ctx: ServiceContext, phone: string): Promise<CachedAccount[]> {
  return readThrough(ctx.cache, {
    key: cacheKeys.balanceOfCaller(phone),
    genKey: genKeys.phone(phone),
    ...cacheTtl.balance,
    logger: ctx.logger,
    area: "balance",
    metrics: ctx.metrics,
    defer: ctx.defer,
    load: () => queryCallerAccounts(ctx, phone),
  });
}

async function queryCallerAccounts(ctx: Pick<ServiceContext, "db">, phone: string): Promise<CachedAccount[]> {
  const rows = await ctx.db
    .select({
      accountNumber: accounts.accountNumber,
      currency: accounts.currency,
      invoiceId: invoices.number,
      amountCents: invoices.amountCents,
      invoiceCurrency: invoices.currency,
      dueDate: invoices.dueDate,
    })
    .from(accounts)
    .innerJoin(customers, eq(customers.id, accounts.customerId))
    .leftJoin(invoices, and(eq(invoices.accountId, accounts.id), eq(invoices.status, "open")))
    .where(eq(customers.phone, phone))
    .orderBy(asc(accounts.accountNumber), asc(invoices.dueDate));
  const byAccount = new Map<string, CachedAccount>();
  for (const r of rows) {
    let account = byAccount.get(r.accountNumber);
    if (!account) {
      account = { accountNumber: r.accountNumber, currency: r.currency, open: [] };
      byAccount.set(r.accountNumber, account);
    }
    if (r.invoiceId && r.amountCents !== null && r.dueDate) {
      account.open.push({
        invoiceId: r.invoiceId,
        amountCents: r.amountCents,
        currency: r.invoiceCurrency ?? r.currency,
        dueDate: r.dueDate,
      });
    }
  }
  return [...byAccount.values()];
}

/** Runs get_account_balance's query for a number that matches nothing, bypassing the cache. */
export async function warmAccountQueries(ctx: Pick<ServiceContext, "db">): Promise<void> {
  await queryCallerAccounts(ctx, MATCHES_NOTHING);
}

function describeAccount(a: CachedAccount, today: string): AccountBalance {
  const total = a.open.reduce((sum, i) => sum + i.amountCents, 0);
  const next = a.open[0];
  return {
    accountNumber: a.accountNumber,
    balance: formatMoney(total, a.currency),
    ...(next ? { dueDate: speakCalendarDate(next.dueDate), overdue: next.dueDate < today } : {}),
    openInvoices: a.open
      .slice(0, 3)
      .map((i) => ({ invoiceId: i.invoiceId, amount: formatMoney(i.amountCents, i.currency), dueDate: speakCalendarDate(i.dueDate) })),
  };
}

/** Balance and next due date of the caller's account (or of each, when they have several). */
export async function getAccountBalance(
  ctx: ServiceContext,
  input: { callerNumber: string; accountNumber?: string | undefined },
): Promise<Result<AccountBalance | { accounts: AccountBalance[] }>> {
  const all = await callerAccounts(ctx, input.callerNumber);
  const today = localDate(ctx.clock.now(), ctx.timeZone);
  if (input.accountNumber) {
    const wanted = normalizeReference(input.accountNumber);
    const account = all.find((a) => normalizeReference(a.accountNumber) === wanted);
    if (!account) return fail("not_found", "I couldn't find that account number for the phone number you're calling from.");
    return ok(describeAccount(account, today));
  }
  if (all.length === 0) return fail("not_found", "I don't see an account for the phone number you're calling from.");
  if (all.length === 1) return ok(describeAccount(all[0]!, today));
  return ok({ accounts: all.map((a) => describeAccount(a, today)) });
}

/** Account and invoice numbers are spoken: compare letters and digits only. */
export function normalizeReference(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, "");
}

export interface PaymentServices {
  payments: PaymentProvider;
  outbox: OutboxRelay;
  businessName: string;
  linkTtlMinutes: number;
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

  const expiresAt = new Date(ctx.clock.now().getTime() + deps.linkTtlMinutes * 60_000);
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
  const expires = speakDateTime(expiresAt, ctx.timeZone);
  await queueSms(ctx, deps.outbox, {
    to: input.callerNumber,
    body: `${deps.businessName}: pay invoice ${invoice.number} (${amount}) securely here: ${link.url} . The link expires ${expires}.`,
    toolCallId: input.idempotencyKey,
  });
  return ok({ sent: true, to: phoneEnding(input.callerNumber), invoiceId: invoice.number, amount, expires });
}

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

export interface UpsertAccountInput {
  accountNumber: string;
  customerPhone: string;
  customerName?: string | null;
  currency?: string;
}

/** REST: creates or updates an account by number, creating its customer when new. */
export async function upsertAccount(ctx: ServiceContext, input: UpsertAccountInput) {
  const [previous] = await ctx.db
    .select({ phone: customers.phone })
    .from(accounts)
    .innerJoin(customers, eq(customers.id, accounts.customerId))
    .where(eq(accounts.accountNumber, input.accountNumber));
  const customer = await ensureCustomer(ctx, { phone: input.customerPhone, name: input.customerName ?? null });
  const [row] = await ctx.db
    .insert(accounts)
    .values({ accountNumber: input.accountNumber, customerId: customer.id, currency: input.currency ?? "USD" })
    .onConflictDoUpdate({
      target: accounts.accountNumber,
      set: { customerId: customer.id, ...(input.currency ? { currency: input.currency } : {}), updatedAt: sql`now()` },
    })
    .returning({ accountNumber: accounts.accountNumber, currency: accounts.currency, created: sql<boolean>`(xmax = 0)` });
  const phones = [customer.phone, previous?.phone].filter((p): p is string => Boolean(p));
  ctx.afterCommit(() => invalidate(ctx.cache, phones.map(genKeys.phone), ctx.logger));
  return row!;
}

export interface UpsertInvoiceInput {
  invoiceId: string;
  accountNumber: string;
  amountCents: number;
  currency?: string;
  dueDate: string;
  status?: (typeof INVOICE_STATUSES)[number];
}

/** REST: creates or updates an invoice by its number. */
export async function upsertInvoice(
  ctx: ServiceContext,
  input: UpsertInvoiceInput,
): Promise<Result<{ invoiceId: string; created: boolean }>> {
  const [account] = await ctx.db
    .select({ id: accounts.id, currency: accounts.currency, phone: customers.phone })
    .from(accounts)
    .innerJoin(customers, eq(customers.id, accounts.customerId))
    .where(eq(accounts.accountNumber, input.accountNumber));
  if (!account) return fail("not_found", `No account ${input.accountNumber}. Create it first with POST /api/accounts.`);
  const [previous] = await ctx.db
    .select({ phone: customers.phone })
    .from(invoices)
    .innerJoin(accounts, eq(accounts.id, invoices.accountId))
    .innerJoin(customers, eq(customers.id, accounts.customerId))
    .where(inArray(invoices.number, [input.invoiceId]));
  const status = input.status ?? "open";
  const [row] = await ctx.db
    .insert(invoices)
    .values({
      number: input.invoiceId,
      accountId: account.id,
      amountCents: input.amountCents,
      currency: input.currency ?? account.currency,
      dueDate: input.dueDate,
      status,
      paidAt: status === "paid" ? ctx.clock.now() : null,
    })
    .onConflictDoUpdate({
      target: invoices.number,
      set: {
        accountId: account.id,
        amountCents: input.amountCents,
        currency: input.currency ?? account.currency,
        dueDate: input.dueDate,
        status,
        paidAt: status === "paid" ? sql`coalesce(${invoices.paidAt}, now())` : null,
        updatedAt: sql`now()`,
      },
    })
    .returning({ created: sql<boolean>`(xmax = 0)` });
  const phones = [account.phone, previous?.phone].filter((p): p is string => Boolean(p));
  ctx.afterCommit(() => invalidate(ctx.cache, phones.map(genKeys.phone), ctx.logger));
  return ok({ invoiceId: input.invoiceId, created: row?.created ?? false });
}
