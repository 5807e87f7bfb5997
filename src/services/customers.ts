/** Customers by phone number: the caller identity every caller-scoped lookup starts from. */
import { eq, sql } from "drizzle-orm";
import { genKeys } from "../cache/keys.ts";
import { namespaces } from "../cache/namespaces.ts";
import { invalidate } from "../cache/read-through.ts";
import { customers } from "../db/schema/index.ts";
import { E164_MESSAGE, isE164 } from "../lib/patterns.ts";
import { fail, MATCHES_NOTHING, ok, type Result, type ServiceContext } from "./context.ts";

export interface CustomerView {
  id: string;
  phone: string;
  name: string | null;
}

/** The customer calling from `phone`, read through the cache. */
export function findCustomerByPhone(
  ctx: Pick<ServiceContext, "db" | "cache" | "logger" | "metrics" | "defer">,
  phone: string,
): Promise<CustomerView | null> {
  return namespaces.customerByPhone.read(ctx, phone, () => queryCustomerByPhone(ctx, phone));
}

async function queryCustomerByPhone(ctx: Pick<ServiceContext, "db">, phone: string): Promise<CustomerView | null> {
  const [row] = await ctx.db
    .select({ id: customers.id, phone: customers.phone, name: customers.name })
    .from(customers)
    .where(eq(customers.phone, phone));
  return row ?? null;
}

/** Runs the customer-by-phone query for a number that matches nothing, bypassing the cache. */
export async function warmCustomerQueries(ctx: Pick<ServiceContext, "db">): Promise<void> {
  await queryCustomerByPhone(ctx, MATCHES_NOTHING);
}

/**
 * The customer for `phone`, created when new. A known customer keeps their name unless `name`
 * is given with `overwriteName` (the business's own systems do that; a caller's spoken name does not).
 */
/**
 * On a repeat upsert a caller's name is kept; a name given now only fills one that was missing.
 * Shared with the booking statement (src/services/appointments/booking.ts), which upserts the caller too.
 */
export const KEEP_CUSTOMER_NAME = sql`coalesce(${customers.name}, excluded.name)`;

export async function ensureCustomer(
  ctx: ServiceContext,
  input: { phone: string; name?: string | null; email?: string | null; overwriteName?: boolean },
): Promise<CustomerView & { created: boolean }> {
  const name = input.name?.trim() || null;
  const [row] = await ctx.db
    .insert(customers)
    .values({ phone: input.phone, name, email: input.email ?? null })
    .onConflictDoUpdate({
      target: customers.phone,
      set: {
        name: input.overwriteName ? sql`coalesce(excluded.name, ${customers.name})` : KEEP_CUSTOMER_NAME,
        email: input.overwriteName ? sql`coalesce(excluded.email, ${customers.email})` : sql`${customers.email}`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: customers.id, phone: customers.phone, name: customers.name, created: sql<boolean>`(xmax = 0)` });
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.phone(input.phone)], ctx.logger));
  return row!;
}

export interface UpsertCustomerInput {
  phone: string;
  name?: string | null;
  email?: string | null;
}

/** REST: creates or updates a customer by phone. */
export async function upsertCustomer(
  ctx: ServiceContext,
  input: UpsertCustomerInput,
): Promise<Result<CustomerView & { created: boolean }>> {
  if (!isE164(input.phone)) return fail("invalid", `phone ${E164_MESSAGE}.`);
  return ok(await ensureCustomer(ctx, { ...input, overwriteName: true }));
}
