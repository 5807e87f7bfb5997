/** The caller's balance: accounts and open invoices, read through the cache. */
import { and, asc, eq } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import { accounts, customers, invoices } from "../../db/schema/index.ts";
import { normalizeReference } from "../../lib/patterns.ts";
import { formatMoney, localDate, speakDay } from "../../lib/speak.ts";
import { fail, MATCHES_NOTHING, ok, type Result, type ServiceContext } from "../context.ts";

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
/** A calendar date (YYYY-MM-DD) as heard on `today`'s call: "today", "tomorrow", "Friday, March 6", with the year if not this one. */
const speakCalendarDate = (date: string, today: string) => speakDay(new Date(`${date}T12:00:00Z`), new Date(`${today}T12:00:00Z`), "UTC");

/** The caller's accounts with their open invoices, read through the cache. */
function callerAccounts(ctx: ServiceContext, phone: string): Promise<CachedAccount[]> {
  return namespaces.balanceOfCaller.read(ctx, phone, () => queryCallerAccounts(ctx, phone));
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
    ...(next ? { dueDate: speakCalendarDate(next.dueDate, today), overdue: next.dueDate < today } : {}),
    openInvoices: a.open.slice(0, 3).map((i) => ({
      invoiceId: i.invoiceId,
      amount: formatMoney(i.amountCents, i.currency),
      dueDate: speakCalendarDate(i.dueDate, today),
    })),
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
