/**
 * The `campaign.predial` decision: may Vapi dial this contact now? Refused, with the reason
 * recorded, when the number is not dialable, its region is unknown, it is outside calling hours
 * in every zone the callee may be in, it is on the do-not-call list, or it had its attempts for
 * the day. An eligible answer is recorded as an attempt in the same transaction that counted the
 * earlier ones, under a per-number lock: two predials for one number at once cannot both pass the
 * limit. A decision that missed its budget is rolled back and recorded as `decision_failed`.
 */
import { and, count, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { doNotCall, type PredialRefusal, predialDecisions } from "../../db/schema/index.ts";
import type { Clock } from "../../lib/clock.ts";
import { isE164 } from "../../lib/patterns.ts";
import { localTime } from "../business-hours.ts";
import { storableText } from "../calls/sanitize.ts";
import { calleeRegion, canonicalNumber } from "./callee-zones.ts";
import type { CampaignRules } from "./rules.ts";

export interface PredialInput {
  campaignId: string;
  contactId?: string | undefined;
  number: unknown;
}

export interface PredialDecision {
  eligible: boolean;
  reason?: PredialRefusal;
  timeZones?: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Decides and records. `signal` aborted (the budget ran out): nothing is committed, the caller records the failure. */
export async function decidePredial(
  ctx: { db: Database; clock: Clock },
  rules: CampaignRules,
  input: PredialInput,
  signal?: AbortSignal,
): Promise<PredialDecision> {
  const now = ctx.clock.now();
  const number = typeof input.number === "string" ? (canonicalNumber(input.number) ?? input.number.replace(/[\s().-]/g, "")) : "";
  const refuse = async (reason: PredialRefusal, timeZones?: readonly string[]) => {
    await recordPredial(ctx.db, input, number, { eligible: false, reason, ...(timeZones ? { timeZones } : {}) }, now);
    return { eligible: false, reason, ...(timeZones ? { timeZones } : {}) };
  };
  if (!isE164(number)) return refuse("invalid_number");
  const region = calleeRegion(number);
  if (!region) return refuse("unknown_region");
  const { timeZones } = region;
  if (!withinCallingHours(rules, timeZones, now)) return refuse("outside_calling_hours", timeZones);

  return ctx.db.transaction(async (tx) => {
    // Serializes the decisions for one number: the count below then sees every committed attempt.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`predial:${number}`}))`);
    const [listed] = await tx.select({ number: doNotCall.number }).from(doNotCall).where(eq(doNotCall.number, number));
    let decision: PredialDecision = { eligible: true, timeZones };
    if (listed) decision = { eligible: false, reason: "do_not_call", timeZones };
    else {
      const since = new Date(now.getTime() - DAY_MS);
      const [attempts] = await tx
        .select({ n: count() })
        .from(predialDecisions)
        .where(and(eq(predialDecisions.number, number), eq(predialDecisions.eligible, true), gt(predialDecisions.decidedAt, since)));
      if ((attempts?.n ?? 0) >= rules.maxAttemptsPerDay) decision = { eligible: false, reason: "attempt_limit", timeZones };
    }
    await recordPredial(tx, input, number, decision, now);
    if (signal?.aborted) throw new Error("predial budget ran out before the decision committed");
    return decision;
  });
}

/** Whether `now` is inside the calling hours and days in every one of `timeZones`. */
export function withinCallingHours(rules: CampaignRules, timeZones: readonly string[], now: Date): boolean {
  return timeZones.every((zone) => {
    const { weekday, time } = localTime(now, zone);
    if (rules.callingDays && !rules.callingDays.includes(weekday)) return false;
    return time >= rules.callingHours.start && time < rules.callingHours.end;
  });
}

/** Records one decision (a refusal always with its reason). */
export async function recordPredial(db: Database, input: PredialInput, number: string, decision: PredialDecision, at: Date) {
  await db.insert(predialDecisions).values({
    // Whatever the contact holds (a NUL, a lone surrogate), the decision is recorded.
    campaignId: storableText(input.campaignId, 200),
    contactId: input.contactId === undefined ? null : storableText(input.contactId, 200),
    number: storableText(number, 40) || "(none)",
    eligible: decision.eligible,
    reason: decision.reason ?? null,
    timeZones: decision.timeZones?.join(",") ?? null,
    decidedAt: at,
  });
}

export interface PredialRecord {
  campaignId: string;
  contactId: string | null;
  number: string;
  eligible: boolean;
  reason: PredialRefusal | null;
  timeZones: string[];
  decidedAt: string;
}

/** The latest decisions, newest first; refusals only with `refusedOnly`, one campaign with `campaignId`. */
export async function listPredialDecisions(
  db: Database,
  filter: { campaignId?: string | undefined; number?: string | undefined; refusedOnly?: boolean | undefined; limit: number },
): Promise<PredialRecord[]> {
  const where = and(
    filter.campaignId ? eq(predialDecisions.campaignId, filter.campaignId) : undefined,
    filter.number ? eq(predialDecisions.number, filter.number) : undefined,
    filter.refusedOnly ? eq(predialDecisions.eligible, false) : undefined,
  );
  const rows = await db.select().from(predialDecisions).where(where).orderBy(sql`${predialDecisions.decidedAt} desc`).limit(filter.limit);
  return rows.map((r) => ({
    campaignId: r.campaignId,
    contactId: r.contactId,
    number: r.number,
    eligible: r.eligible,
    reason: r.reason,
    timeZones: r.timeZones ? r.timeZones.split(",") : [],
    decidedAt: r.decidedAt.toISOString(),
  }));
}
