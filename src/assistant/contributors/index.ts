/**
 * The sources of a caller's profile, run concurrently on every assistant-request (within
 * PERSONALIZATION_BUDGET_MS). To add one, write a file next to this one exporting a
 * `CallerProfileContributor` that fills fields of `CallerProfile` (for example
 * `openShipments` from the shipments service, `nextAppointment` from appointments), and list it
 * here. Rendering into the prompt and variable values already handles every profile field.
 */
import type { CallerProfileContributor } from "../caller-profile.ts";
import { callerMemoryContributor } from "./caller-memory.ts";

export const callerProfileContributors: readonly CallerProfileContributor[] = [callerMemoryContributor];
