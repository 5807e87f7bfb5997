/**
 * Appointment reminders as Vapi requests: with a stored assistant (VAPI_ASSISTANT_ID), one
 * campaign (`POST /campaign`, CreateCampaignDTO) whose contacts carry their appointment in
 * `variableValues` and whose `predialPlan` has Vapi ask this server before each dial; without
 * one, an outbound call per appointment (`POST /call`, CreateCallDTO) with a transient assistant
 * on the reminder preset. Either way the assistant opens with the appointment and can confirm,
 * reschedule or cancel it (and take the callee off the list) with the usual tools.
 */

import type { Database } from "../db/client.ts";
import type { VapiOutbound, VapiRequest } from "../integrations/vapi-api/outbound.ts";
import { addDays, localDate, speakDayTime, spellOut } from "../lib/speak.ts";
import { appointmentsOn, type ReminderAppointment } from "../services/campaigns/reminders.ts";
import { serverFieldFor } from "../vapi/server-target.ts";
import { type BuildSettings, composeAssistant } from "./build.ts";
import { inertText } from "./caller-profile.ts";

export type { VapiRequest };

export interface ReminderPlanInput {
  /** The preset the calls use, its tools and where Vapi reaches this server. */
  settings: BuildSettings;
  appointments: readonly ReminderAppointment[];
  /** The local day the appointments are on (YYYY-MM-DD), for the campaign's name. */
  date: string;
  phoneNumberId: string;
  /** A stored assistant: one campaign; absent: one call per appointment. */
  assistantId?: string | undefined;
  now: Date;
}

/** What the assistant says first, and what it knows, for one appointment. */
export function reminderScript(settings: Pick<BuildSettings, "businessName" | "timeZone">, appt: ReminderAppointment, now: Date) {
  const when = speakDayTime(appt.startsAt, now, settings.timeZone);
  // Names were dictated on calls and services typed by staff: inert where Vapi renders Liquid.
  const customerName = inertText(appt.customerName, 60).trim();
  const service = inertText(appt.service, 100);
  const name = customerName.split(/\s+/)[0] || customerName;
  return {
    firstMessage: `Hi ${name}, this is ${settings.businessName} with a quick reminder of your ${service} appointment ${when}. Can you make it?`,
    context:
      `This is an outbound reminder call about ${customerName}'s ${service} appointment ${when} ` +
      `(confirmation code ${spellOut(appt.confirmationCode)}). If they will come, use confirm_appointment. ` +
      "If they want another time, use check_availability then reschedule_appointment; if they want to cancel, cancel_appointment. " +
      "If they ask not to be called again, use opt_out_of_calls. Keep the call short.",
  };
}

export function reminderRequests(input: ReminderPlanInput): VapiRequest[] {
  const { settings, now } = input;
  if (input.appointments.length === 0) return [];
  if (input.assistantId) {
    const server = serverFieldFor(settings.target, { kind: "assistant" });
    return [
      {
        method: "POST",
        path: "/campaign",
        body: {
          name: `Appointment reminders ${input.date}`,
          assistantId: input.assistantId,
          phoneNumberId: input.phoneNumberId,
          customers: input.appointments.map((appt) => {
            const script = reminderScript(settings, appt, now);
            return {
              number: appt.number,
              name: customerNameFor(appt),
              externalId: appt.appointmentId,
              // The stored assistant reads these through its Liquid placeholders (src/assistant/build.ts).
              assistantOverrides: { variableValues: { firstMessage: script.firstMessage, callerContext: script.context } },
            };
          }),
          schedulePlan: { earliestAt: now.toISOString() },
          // Vapi asks this server before each dial (campaign.predial): hours, do-not-call, attempts.
          ...(server.server ? { ...server, predialPlan: { enabled: true } } : {}),
        },
      },
    ];
  }
  return input.appointments.map((appt) => {
    const script = reminderScript(settings, appt, now);
    const assistant = composeAssistant(
      settings,
      { kind: "profile", profile: undefined },
      { name: `${settings.config.name} reminders`.slice(0, 40), tools: settings.tools, promptSuffix: script.context },
    );
    return {
      method: "POST" as const,
      path: "/call" as const,
      body: {
        name: `Reminder ${input.date}`,
        phoneNumberId: input.phoneNumberId,
        customer: { number: appt.number, name: customerNameFor(appt), externalId: appt.appointmentId },
        assistant: {
          ...assistant,
          firstMessage: script.firstMessage,
          metadata: { ...assistant.metadata, reminderFor: appt.appointmentId },
        },
      },
    };
  });
}

/** A run that must not go out as configured; nothing was sent. */
export class RemindersRefused extends Error {
  override name = "RemindersRefused";
}

const NO_PREDIAL =
  "No Vapi credential (VAPI_CREDENTIAL_ID): a campaign would have no predial check, so calling hours, the do-not-call list and the attempt limit would not be applied before each dial. Run npm run vapi -- sync --apply first.";

export interface ReminderRun {
  date: string;
  appointments: number;
  requests: VapiRequest[];
  /** What the operator must know before these requests go out (printed by the command, returned by the API). */
  warnings: string[];
  /** What Vapi created (empty when printing). */
  created: { path: string; id: string }[];
}

/**
 * Lists the appointments of `date` ("tomorrow" by default, in the business's zone) and, unless
 * `send` is absent (printing), creates the campaign or the calls in Vapi. A failure stops at the
 * request that failed; what was created before it is in the error's `created`.
 */
export async function runReminders(input: {
  db: Database;
  settings: BuildSettings;
  date?: string | undefined;
  phoneNumberId: string;
  assistantId?: string | undefined;
  now: Date;
  send?: VapiOutbound | undefined;
}): Promise<ReminderRun> {
  const date = resolveReminderDate(input.date, input.now, input.settings.timeZone);
  // Today's list starts now: an appointment that has already begun gets no reminder.
  const appointments = await appointmentsOn(input.db, date, input.settings.timeZone, input.now);
  const requests = reminderRequests({ ...input, appointments, date });
  const warnings: string[] = [];
  if (input.assistantId && input.settings.target.auth.kind === "none") {
    // Without a credential Vapi cannot ask this server before each dial: nothing would check the hours or the list.
    if (input.send) throw new RemindersRefused(NO_PREDIAL);
    warnings.push(NO_PREDIAL);
  }
  const created: ReminderRun["created"] = [];
  if (input.send) {
    for (const request of requests) created.push({ path: request.path, ...(await input.send.send(request)) });
  }
  return { date, appointments: appointments.length, requests, warnings, created };
}

/** "tomorrow" (or nothing), "today", or a YYYY-MM-DD date, as a local date of the business. */
export function resolveReminderDate(date: string | undefined, now: Date, timeZone: string): string {
  const today = localDate(now, timeZone);
  if (date === undefined || date === "tomorrow") return addDays(today, 1);
  if (date === "today") return today;
  // A real calendar date (not 2026-02-30), from today on (reminders are for what is still to come), within 50 years.
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date) {
    throw new RangeError(`"${date}" is not a date: use tomorrow, today or YYYY-MM-DD`);
  }
  if (date < today) throw new RangeError(`${date} has passed: reminders are for today or later`);
  if (date > addDays(today, 50 * 366)) throw new RangeError(`${date} is too far ahead`);
  return date;
}

/** The contact's name as Vapi stores it (40 characters at most), inert where Liquid is rendered. */
function customerNameFor(appt: ReminderAppointment): string {
  return inertText(appt.customerName, 40).trim();
}
