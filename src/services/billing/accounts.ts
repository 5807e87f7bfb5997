/** REST: accounts and invoices, created or updated by their numbers. */
import { eq, inArray, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { accounts, customers, type INVOICE_STATUSES, invoices } from "../../db/schema/index.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";
import { ensureCustomer } from "../customers.ts";

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
