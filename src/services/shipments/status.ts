/** Shipment status lookups for callers, read through the cache. */
import { and, desc, eq, notInArray, sql } from "drizzle-orm";
import { namespaces } from "../../cache/namespaces.ts";
import { preparedFor } from "../../db/prepared.ts";
import { customers, type ShipmentStatus, shipmentEvents, shipments } from "../../db/schema/index.ts";
import { normalizeReference } from "../../lib/patterns.ts";
import { speakDay, speakDayTime, spellOut } from "../../lib/speak.ts";
import { fail, MATCHES_NOTHING, ok, type ReadContext, type Result, type ServiceContext, type WarmQueryContext } from "../context.ts";

/** What is cached for one shipment: raw facts; wording and "is it late now" are decided at read time. */
export interface ShipmentSnapshot {
  trackingNumber: string;
  status: ShipmentStatus;
  carrier: string | null;
  location: string | null;
  destination: string | null;
  estimatedDelivery: string | null;
  delayReason: string | null;
  deliveredAt: string | null;
  lastEvent: { at: string; description: string; location: string | null } | null;
}

/** What the caller hears about a shipment. */
export interface ShipmentStatusView {
  trackingNumber: string;
  /** The tracking number as it is read back to a caller ("1 Z D E, M O 0 0, 0 2"). */
  trackingNumberSpoken: string;
  status: string;
  location?: string;
  eta?: string;
  delivered?: string;
  delayed: boolean;
  delayReason?: string;
  lastEvent?: string;
  carrier?: string;
}

const STATUS_WORDS: Record<ShipmentStatus, string> = {
  label_created: "label created, waiting for pickup",
  in_transit: "in transit",
  out_for_delivery: "out for delivery",
  delivered: "delivered",
  exception: "held up",
  returned: "returned to sender",
};

/** Upper case, letters and digits only: "1z 999-aa1" and "1Z999AA1" are the same parcel. */
/** A tracking number as callers say it, reduced to letters and digits. */
export const normalizeTrackingNumber = normalizeReference;

/** The longest tracking number read back character by character (carriers' run to about 22-30). */
const MAX_READ_BACK = 30;

/** A shipment's status for anyone holding its tracking number (the number is the credential). */
export async function getShipmentStatus(ctx: ReadContext, trackingNumber: string): Promise<Result<ShipmentStatusView>> {
  const normalized = normalizeTrackingNumber(trackingNumber);
  if (normalized.length < 4) return fail("invalid", "That tracking number looks too short. Could you read it again?");
  const snapshot = await namespaces.shipment.read(ctx, normalized, () => loadSnapshot(ctx, normalized));
  if (!snapshot) {
    return fail(
      "not_found",
      // Read back so the caller can hear a misheard character; a number longer than any carrier's is not read out.
      normalized.length <= MAX_READ_BACK
        ? `I couldn't find a shipment with tracking number ${spellOut(normalized)}. Could you check the number and read it again?`
        : "I couldn't find a shipment with that tracking number. Could you check the number and read it again?",
    );
  }
  return ok(describeShipment(snapshot, ctx.clock.now(), ctx.timeZone));
}

/** The caller's most recent shipments (at most three), newest first. */
export async function listCallerShipments(ctx: ReadContext, phone: string): Promise<ShipmentStatusView[]> {
  const snapshots = await namespaces.shipmentsOfCaller.read(ctx, phone, () => loadCallerSnapshots(ctx, phone, false));
  const now = ctx.clock.now();
  return snapshots.map((s) => describeShipment(s, now, ctx.timeZone));
}

/**
 * The caller's shipments still on their way (not delivered, not returned), at most three,
 * most recently updated first. Read through the cache under the caller's generation, so any
 * shipment write for this caller is seen at once.
 */
export async function listOpenShipments(ctx: ReadContext, phone: string): Promise<ShipmentStatusView[]> {
  const snapshots = await namespaces.openShipmentsOfCaller.read(ctx, phone, () => loadCallerSnapshots(ctx, phone, true));
  const now = ctx.clock.now();
  return snapshots.map((s) => describeShipment(s, now, ctx.timeZone));
}

const FINISHED: ShipmentStatus[] = ["delivered", "returned"];

async function loadCallerSnapshots(ctx: Pick<ServiceContext, "db">, phone: string, openOnly: boolean): Promise<ShipmentSnapshot[]> {
  const rows = await ctx.db
    .select({ trackingNumber: shipments.trackingNumber })
    .from(shipments)
    .innerJoin(customers, eq(customers.id, shipments.customerId))
    .where(and(eq(customers.phone, phone), openOnly ? notInArray(shipments.status, FINISHED) : undefined))
    .orderBy(desc(shipments.updatedAt))
    .limit(3);
  const loaded = await Promise.all(rows.map((r) => loadSnapshot(ctx, r.trackingNumber)));
  return loaded.filter((s): s is ShipmentSnapshot => s !== null);
}

async function loadSnapshot(ctx: Pick<ServiceContext, "db">, trackingNumber: string): Promise<ShipmentSnapshot | null> {
  const [row] = await snapshotQuery(ctx.db).execute({ trackingNumber });
  if (!row) return null;
  return {
    trackingNumber: row.trackingNumber,
    status: row.status,
    carrier: row.carrier,
    location: row.currentLocation,
    destination: row.destination,
    estimatedDelivery: row.estimatedDelivery?.toISOString() ?? null,
    delayReason: row.delayReason,
    deliveredAt: row.deliveredAt?.toISOString() ?? null,
    lastEvent: row.eventAt ? { at: row.eventAt.toISOString(), description: row.eventDescription ?? "", location: row.eventLocation } : null,
  };
}

/** One shipment and its latest event, in one round trip; prepared once per database handle. */
const snapshotQuery = preparedFor((db) => {
  const lastEvent = db
    .select({ at: shipmentEvents.occurredAt, description: shipmentEvents.description, location: shipmentEvents.location })
    .from(shipmentEvents)
    .where(eq(shipmentEvents.shipmentId, shipments.id))
    .orderBy(desc(shipmentEvents.occurredAt), desc(shipmentEvents.createdAt))
    .limit(1)
    .as("last_event");
  return db
    .select({
      trackingNumber: shipments.trackingNumber,
      status: shipments.status,
      carrier: shipments.carrier,
      currentLocation: shipments.currentLocation,
      destination: shipments.destination,
      estimatedDelivery: shipments.estimatedDelivery,
      delayReason: shipments.delayReason,
      deliveredAt: shipments.deliveredAt,
      eventAt: lastEvent.at,
      eventDescription: lastEvent.description,
      eventLocation: lastEvent.location,
    })
    .from(shipments)
    .leftJoinLateral(lastEvent, sql`true`)
    .where(eq(shipments.trackingNumber, sql.placeholder("trackingNumber")))
    .prepare("shipment_snapshot");
});

/**
 * Runs the status lookup's queries (by tracking number, last event, the caller's list) with
 * values that match nothing, bypassing the cache: statements get prepared, nothing is cached.
 */
export async function warmShipmentQueries(ctx: WarmQueryContext): Promise<void> {
  await loadSnapshot(ctx, MATCHES_NOTHING);
  await loadCallerSnapshots(ctx, MATCHES_NOTHING, false);
}

/** Turns a snapshot into short, speakable fields; "delayed" is judged against `now`. */
export function describeShipment(s: ShipmentSnapshot, now: Date, timeZone: string): ShipmentStatusView {
  const finished = s.status === "delivered" || s.status === "returned";
  const eta = s.estimatedDelivery ? new Date(s.estimatedDelivery) : undefined;
  const pastEta = !finished && eta !== undefined && eta.getTime() < now.getTime();
  const delayed = !finished && (s.delayReason !== null || s.status === "exception" || pastEta);
  const reason =
    s.delayReason ?? (s.status === "exception" ? "a delivery exception" : pastEta ? "it is past its estimated delivery date" : undefined);
  const view: ShipmentStatusView = {
    trackingNumber: s.trackingNumber,
    trackingNumberSpoken: spellOut(s.trackingNumber),
    status: STATUS_WORDS[s.status],
    delayed,
  };
  if (s.location && !finished) view.location = s.location;
  if (eta && !finished) view.eta = speakDay(eta, now, timeZone);
  if (s.status === "delivered" && s.deliveredAt) view.delivered = speakDayTime(new Date(s.deliveredAt), now, timeZone);
  if (delayed && reason) view.delayReason = reason;
  if (s.lastEvent) {
    const where = s.lastEvent.location ? ` in ${s.lastEvent.location}` : "";
    view.lastEvent = `${s.lastEvent.description}${where}, ${speakDayTime(new Date(s.lastEvent.at), now, timeZone)}`;
  }
  if (s.carrier) view.carrier = s.carrier;
  return view;
}
