/** The writes the business's systems make through the REST API; each invalidates exactly what it changed. */
import { and, eq, sql } from "drizzle-orm";
import { genKeys } from "../../cache/keys.ts";
import { invalidate } from "../../cache/read-through.ts";
import { customers, type ShipmentStatus, shipmentEvents, shipments } from "../../db/schema/index.ts";
import { zonedTime } from "../../lib/speak.ts";
import { fail, ok, type Result, type ServiceContext } from "../context.ts";
import { ensureCustomer } from "../customers.ts";
import { normalizeTrackingNumber } from "./status.ts";

export interface UpsertShipmentInput {
  trackingNumber: string;
  customerPhone?: string | null;
  status?: ShipmentStatus;
  carrier?: string | null;
  origin?: string | null;
  destination?: string | null;
  currentLocation?: string | null;
  estimatedDelivery?: string | null;
  delayReason?: string | null;
}

/** REST: creates or updates a shipment by tracking number. Only the fields given change. */
export async function upsertShipment(
  ctx: ServiceContext,
  input: UpsertShipmentInput,
): Promise<Result<{ trackingNumber: string; created: boolean }>> {
  const trackingNumber = normalizeTrackingNumber(input.trackingNumber);
  if (trackingNumber.length < 4) return fail("invalid", "trackingNumber needs at least 4 letters or digits.");
  const customer = input.customerPhone ? await ensureCustomer(ctx, { phone: input.customerPhone }) : undefined;
  const [previous] = await ctx.db
    .select({ customerId: shipments.customerId, phone: customers.phone })
    .from(shipments)
    .leftJoin(customers, eq(customers.id, shipments.customerId))
    .where(eq(shipments.trackingNumber, trackingNumber))
    .for("update", { of: shipments });
  const fields = {
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.carrier !== undefined ? { carrier: input.carrier } : {}),
    ...(input.origin !== undefined ? { origin: input.origin } : {}),
    ...(input.destination !== undefined ? { destination: input.destination } : {}),
    ...(input.currentLocation !== undefined ? { currentLocation: input.currentLocation } : {}),
    ...(input.estimatedDelivery !== undefined
      ? { estimatedDelivery: input.estimatedDelivery ? etaInstant(input.estimatedDelivery, ctx.timeZone) : null }
      : {}),
    ...(input.delayReason !== undefined ? { delayReason: input.delayReason } : {}),
    ...(customer ? { customerId: customer.id } : {}),
    ...(input.status === "delivered" ? { deliveredAt: sql`coalesce(${shipments.deliveredAt}, now())` } : {}),
  };
  const [row] = await ctx.db
    .insert(shipments)
    .values({ trackingNumber, ...fields, deliveredAt: input.status === "delivered" ? ctx.clock.now() : null })
    .onConflictDoUpdate({ target: shipments.trackingNumber, set: { ...fields, updatedAt: sql`now()` } })
    .returning({ created: sql<boolean>`(xmax = 0)` });
  const phones = [previous?.phone, customer?.phone].filter((p): p is string => Boolean(p));
  ctx.afterCommit(() => invalidate(ctx.cache, [genKeys.shipment(trackingNumber), ...phones.map(genKeys.phone)], ctx.logger));
  return ok({ trackingNumber, created: row?.created ?? false });
}

export interface ShipmentEventInput {
  occurredAt: string;
  description: string;
  status?: ShipmentStatus;
  location?: string | null;
  /** The sender's id for the event: posting it again changes nothing. */
  externalId?: string | null;
  estimatedDelivery?: string | null;
  delayReason?: string | null;
}

/**
 * REST: records a scan event. The newest event (by time) also moves the shipment's status,
 * location, ETA and delay reason; a late-arriving older event is only added to the history.
 */
export async function addShipmentEvent(
  ctx: ServiceContext,
  trackingNumberInput: string,
  input: ShipmentEventInput,
): Promise<Result<{ trackingNumber: string; recorded: boolean; current: boolean }>> {
  const trackingNumber = normalizeTrackingNumber(trackingNumberInput);
  const [shipment] = await ctx.db
    .select({ id: shipments.id, lastEventAt: shipments.lastEventAt, phone: customers.phone })
    .from(shipments)
    .leftJoin(customers, eq(customers.id, shipments.customerId))
    .where(eq(shipments.trackingNumber, trackingNumber))
    .for("update", { of: shipments });
  if (!shipment) return fail("not_found", `No shipment with tracking number ${trackingNumber}.`);
  const occurredAt = new Date(input.occurredAt);
  const inserted = await ctx.db
    .insert(shipmentEvents)
    .values({
      shipmentId: shipment.id,
      externalId: input.externalId ?? null,
      occurredAt,
      status: input.status ?? null,
      location: input.location ?? null,
      description: input.description,
    })
    .onConflictDoNothing({ target: [shipmentEvents.shipmentId, shipmentEvents.externalId] })
    .returning({ id: shipmentEvents.id });
  if (inserted.length === 0) return ok({ trackingNumber, recorded: false, current: false });
  const current = !shipment.lastEventAt || shipment.lastEventAt.getTime() <= occurredAt.getTime();
  if (current) {
    const moving = input.status !== undefined && input.status !== "exception";
    await ctx.db
      .update(shipments)
      .set({
        lastEventAt: occurredAt,
        updatedAt: sql`now()`,
        ...(input.status ? { status: input.status } : {}),
        ...(input.location ? { currentLocation: input.location } : {}),
        ...(input.estimatedDelivery !== undefined
          ? { estimatedDelivery: input.estimatedDelivery ? etaInstant(input.estimatedDelivery, ctx.timeZone) : null }
          : {}),
        // A delay reason stays until the sender clears it or the parcel visibly moves on.
        ...(input.delayReason !== undefined ? { delayReason: input.delayReason } : moving ? { delayReason: null } : {}),
        ...(input.status === "delivered" ? { deliveredAt: occurredAt } : {}),
      })
      .where(and(eq(shipments.id, shipment.id)));
  }
  const keys = [genKeys.shipment(trackingNumber), ...(shipment.phone ? [genKeys.phone(shipment.phone)] : [])];
  ctx.afterCommit(() => invalidate(ctx.cache, keys, ctx.logger));
  return ok({ trackingNumber, recorded: true, current });
}

/** An instant as given, or a plain date (YYYY-MM-DD) as midday of that day in the business's zone: a day is what a caller hears. */
function etaInstant(value: string, timeZone: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? zonedTime(value, 12, 0, timeZone) : new Date(value);
}
