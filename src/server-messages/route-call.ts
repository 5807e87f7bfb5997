/**
 * Screening and routing at assistant-request: the lookups the rules need (the blocklist through
 * the cache, the caller's call count when a rate limit is set), within SCREENING_BUDGET_MS, then
 * the rules of src/assistant/routing.ts. Fails open: if a lookup fails or is slow the call goes
 * through unscreened (a screening outage must not turn callers away), and the log says so.
 */
import type { AssistantConfig } from "../assistant/define.ts";
import { type RouteDecision, rateLimitApplies, rateLimitDecision, routeCall, screenCaller } from "../assistant/routing.ts";
import type { AppDeps } from "../deps.ts";
import { isNumberBlocked } from "../services/screening/blocklist.ts";
import { countCallInWindow } from "../services/screening/call-rate.ts";

/** The facts of an incoming call that screening and routing read (all from Vapi, none from the model). */
export interface IncomingCall {
  callerNumber: string | undefined;
  phoneNumberId: string | undefined;
  /** Vapi's call id; without it (a preview) nothing is counted. */
  callId?: string | undefined;
  /** Vapi's call type (`inboundPhoneCall`, `webCall`, ...). */
  callType?: string | undefined;
  /** The caller has a SIP address instead of a number. */
  sipCaller?: boolean | undefined;
}

export interface RoutedCall {
  decision: RouteDecision;
  /** False when screening's lookups failed or ran out of time and the call was let through. */
  screened: boolean;
}

/** Decides what an incoming call gets; logs and counts the decision with the rule that made it. Never throws. */
export async function routeIncomingCall(deps: AppDeps, config: AssistantConfig, call: IncomingCall): Promise<RoutedCall> {
  const { decision: screeningDecision, screened } = await screenWithinBudget(deps, config, call);
  let decision = screeningDecision;
  if (!decision) {
    const routed = routeCall(
      {
        config,
        timeZone: deps.config.BUSINESS_TIMEZONE,
        transferNumber: deps.config.TRANSFER_NUMBER,
        environmentPreset: deps.config.ASSISTANT_PRESET,
      },
      { callerNumber: call.callerNumber, phoneNumberId: call.phoneNumberId },
      deps.clock.now(),
    );
    for (const rule of routed.skipped) {
      deps.logger.warn("routing rule skipped: it forwards, but has no `to` and TRANSFER_NUMBER is not set", { rule, callId: call.callId });
    }
    decision = routed.decision;
  }
  // A preview (GET /vapi/assistant, no call id) is logged but not counted as a call.
  if (call.callId) deps.metrics.routingDecision?.("assistant-request", decision.action, decision.rule);
  deps.logger.info("call routed", {
    callId: call.callId,
    action: decision.action,
    rule: decision.rule,
    screened,
    ...(decision.action === "assistant" ? { preset: decision.preset } : {}),
    ...(decision.action === "squad" ? { squad: decision.squad } : {}),
  });
  return { decision, screened };
}

async function screenWithinBudget(
  deps: AppDeps,
  config: AssistantConfig,
  call: IncomingCall,
): Promise<{ decision: RouteDecision | undefined; screened: boolean }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const budget = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), deps.config.SCREENING_BUDGET_MS);
  });
  const work = screen(deps, config, call).then(
    (decision) => ({ decision }),
    (err: unknown) => ({ err }),
  );
  try {
    const outcome = await Promise.race([work, budget]);
    if (outcome === "timeout") {
      deps.logger.warn("screening over budget; the call goes through unscreened", {
        callId: call.callId,
        budgetMs: deps.config.SCREENING_BUDGET_MS,
      });
      return { decision: undefined, screened: false };
    }
    if ("err" in outcome) {
      deps.logger.warn("screening failed; the call goes through unscreened", { callId: call.callId, err: outcome.err });
      return { decision: undefined, screened: false };
    }
    return { decision: outcome.decision, screened: true };
  } finally {
    clearTimeout(timer);
  }
}

async function screen(deps: AppDeps, config: AssistantConfig, call: IncomingCall): Promise<RouteDecision | undefined> {
  const screening = config.screening;
  const readCtx = {
    db: deps.db,
    cache: deps.cache,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    defer: deps.defer,
    timeZone: deps.config.BUSINESS_TIMEZONE,
  };
  const blocked = call.callerNumber ? await isNumberBlocked(readCtx, call.callerNumber) : false;
  const rejected = screenCaller(screening, {
    callerNumber: call.callerNumber,
    callType: call.callType,
    sipCaller: call.sipCaller === true,
    blocked,
  });
  const limit = screening?.rateLimit;
  if (rejected || !limit || !call.callerNumber || !rateLimitApplies(screening, call.callerNumber)) return rejected;
  const calls = await countCallInWindow(deps.cache, {
    callerNumber: call.callerNumber,
    callId: call.callId,
    windowSeconds: limit.windowSeconds,
    nowMs: deps.clock.now().getTime(),
  });
  return rateLimitDecision(screening, calls);
}
