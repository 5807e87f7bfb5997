/** The caller's shipments still on their way (at most three), from the shipments service's cached lookup. */
import { genKeys } from "../../cache/keys.ts";
import { listOpenShipments } from "../../services/shipments/status.ts";
import type { CallerProfile, CallerProfileContributor } from "../caller-profile.ts";

export const openShipmentsContributor: CallerProfileContributor = {
  name: "open-shipments",
  generations: (callerNumber) => [genKeys.phone(callerNumber)],
  async load(deps, callerNumber, signal) {
    signal.throwIfAborted();
    const open = await listOpenShipments(deps, callerNumber);
    if (open.length === 0) return {};
    const openShipments: NonNullable<CallerProfile["openShipments"]> = open.map((s) => ({
      reference: s.trackingNumber,
      status: s.delayed && s.delayReason ? `${s.status}, delayed by ${s.delayReason}` : s.status,
      ...(s.eta ? { eta: s.eta } : {}),
    }));
    return { openShipments };
  },
};
