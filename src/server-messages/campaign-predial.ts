/**
 * `campaign.predial`: Vapi asks before dialing each contact of a campaign whose `predialPlan`
 * points here. Answered `{ eligible }` within PREDIAL_BUDGET_MS by the rules of
 * src/services/campaigns/predial.ts; a decision that cannot be made in time (the database slow or
 * down) skips the contact rather than dial someone who may have opted out, and is recorded as
 * `decision_failed` once the database takes it.
 */
import type { AppDeps } from "../deps.ts";
import { decidePredial, type PredialDecision, type PredialInput, recordPredial } from "../services/campaigns/predial.ts";
import { DEFAULT_CAMPAIGN_RULES } from "../services/campaigns/rules.ts";
import type { VapiMessage } from "../vapi/envelope.ts";
import { assistantSetup } from "./assistant-request.ts";

export async function answerCampaignPredial(deps: AppDeps, message: VapiMessage): Promise<{ eligible: boolean }> {
  const contact = record(message.contact);
  const input: PredialInput = {
    campaignId: typeof message.campaignId === "string" ? message.campaignId : "(unknown)",
    contactId: typeof contact?.id === "string" ? contact.id : undefined,
    number: contact?.number,
  };
  const rules = assistantSetup(deps).config.campaigns ?? DEFAULT_CAMPAIGN_RULES;
  const budget = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      budget.abort();
      resolve("timeout");
    }, deps.config.PREDIAL_BUDGET_MS);
  });
  const deciding = decidePredial(deps, rules, input, budget.signal);
  let decision: PredialDecision | "timeout" | "failed";
  try {
    decision = await Promise.race([deciding, expired]);
  } catch (err) {
    deps.logger.error("predial decision failed", { campaignId: input.campaignId, err });
    decision = "failed";
  } finally {
    clearTimeout(timer);
  }
  if (decision === "timeout" || decision === "failed") {
    if (decision === "timeout") deps.logger.warn("predial decision missed its budget; contact skipped", { campaignId: input.campaignId });
    const number = typeof input.number === "string" ? input.number : "";
    const recorded = deciding
      .catch(() => undefined)
      .then(() => recordPredial(deps.db, input, number, { eligible: false, reason: "decision_failed" }, deps.clock.now()));
    deps.defer(recorded, "predial failure record");
    return { eligible: false };
  }
  deps.logger.info("predial decided", { campaignId: input.campaignId, eligible: decision.eligible, reason: decision.reason });
  return { eligible: decision.eligible };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
