/**
 * The sources of a caller's profile, run concurrently on every assistant-request (within
 * PERSONALIZATION_BUDGET_MS). To add one, write a file next to this one exporting a
 * `CallerProfileContributor` that fills fields of `CallerProfile`, and list it here. Rendering
 * into the prompt and variable values already handles every profile field.
 *
 * Order matters only where two sources fill the same field: the later one wins. The customer
 * record's name comes first so the name a caller gave on a call (caller memory) overrides it.
 */
import type { CallerProfileContributor } from "../caller-profile.ts";
import { callerMemoryContributor } from "./caller-memory.ts";
import { customerContributor } from "./customer.ts";
import { nextAppointmentContributor } from "./next-appointment.ts";
import { openShipmentsContributor } from "./open-shipments.ts";

export const callerProfileContributors: readonly CallerProfileContributor[] = [
  customerContributor,
  callerMemoryContributor,
  openShipmentsContributor,
  nextAppointmentContributor,
];
