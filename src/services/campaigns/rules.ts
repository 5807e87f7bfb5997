/**
 * The rules `campaign.predial` applies before Vapi dials a contact (declared as `campaigns` in
 * assistant.config.ts): calling hours in the callee's own time zone, the days calls may be placed,
 * and how many attempts one number may get in a day. The do-not-call list needs no rule: it
 * always applies.
 */
import { WEEKDAYS, type Weekday } from "../business-hours.ts";

export interface CampaignRules {
  /** Wall-clock hours ("HH:MM", 24 h, end exclusive) the callee may be called in, in their own zone. */
  callingHours: { start: string; end: string };
  /** The callee's local weekdays calls may be placed on; omitted: every day. */
  callingDays?: readonly Weekday[];
  /** Dial attempts (eligible predial answers, across campaigns) one number may get in 24 hours. */
  maxAttemptsPerDay: number;
}

/**
 * Without a `campaigns` section: 9 AM to 8 PM, Monday to Saturday, two attempts a day (inside
 * what the US TCPA allows, 8 AM to 9 PM, and the stricter state and EU rules most businesses follow).
 */
export const DEFAULT_CAMPAIGN_RULES: CampaignRules = {
  callingHours: { start: "09:00", end: "20:00" },
  callingDays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
  maxAttemptsPerDay: 2,
};

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** What is wrong with the rules, one sentence each (empty: nothing). */
export function campaignRulesProblems(rules: CampaignRules | undefined): string[] {
  if (!rules) return [];
  const problems: string[] = [];
  const { start, end } = rules.callingHours;
  if (!HHMM.test(start) || !HHMM.test(end)) problems.push('campaigns.callingHours: start and end must be "HH:MM", 24 h');
  else if (start >= end) problems.push("campaigns.callingHours: start must be before end");
  for (const day of rules.callingDays ?? []) {
    if (!WEEKDAYS.includes(day)) problems.push(`campaigns.callingDays: "${day}" is not a weekday`);
  }
  if (!Number.isInteger(rules.maxAttemptsPerDay) || rules.maxAttemptsPerDay < 1 || rules.maxAttemptsPerDay > 20) {
    problems.push("campaigns.maxAttemptsPerDay: must be a whole number from 1 to 20");
  }
  return problems;
}
