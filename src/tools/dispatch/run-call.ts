/** Runs one tool call: lookup, guards, validation, then the handler against its budget, traced and counted. */
import { SpanStatusCode } from "@opentelemetry/api";
import { boundedBy } from "../../lib/defer.ts";
import type { CallState } from "../../services/call-state.ts";
import { tracer } from "../../telemetry/tracing.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import type { ToolDefinition } from "../define-tool.ts";
import { type Answered, answerError, answerThrown, describeIssues, offeringAPerson, timedOut, toAnswer } from "./answers.ts";
import { ARGUMENTS_TOO_LARGE, ARGUMENTS_WITH_NUL, CARD_REFUSAL, scanArguments } from "./card-guard.ts";
import { type DispatcherDeps, type Hook, lazyAbortController, makeContext, type RunState, runHooks, type ToolRun } from "./context.ts";
import { overRateLimit } from "./guards.ts";
import { runIdempotent } from "./idempotency.ts";

export async function runOne(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall, callState: CallState): Promise<Answered> {
  const tool = deps.registry.get(call.name);
  if (!tool) {
    const known = deps.registry
      .list()
      .map((t) => t.name)
      .join(", ");
    return answerError(call, `There is no tool named "${call.name}". Available tools: ${known}.`, "unknown_tool");
  }
  if (!call.args.ok) return answerError(call, call.args.reason, "validation");
  // Before validation, storage and logging: a card number must never reach any of them.
  const scan = scanArguments(call.args.value);
  if (scan !== "clean") {
    const ids = { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId };
    if (scan === "card") {
      deps.logger.warn("tool call refused: card number in arguments", ids);
      return answerError(call, CARD_REFUSAL, "rejected");
    }
    if (scan === "unread") {
      deps.logger.warn("tool call refused: arguments too large to check for card numbers", ids);
      return answerError(call, ARGUMENTS_TOO_LARGE, "rejected", undefined, "modelMistake");
    }
    return answerError(call, ARGUMENTS_WITH_NUL, "validation");
  }
  const parsed = tool.parameters.safeParse(call.args.value);
  if (!parsed.success) return answerError(call, describeIssues(parsed.error, call.args.value), "validation");

  if (tool.sideEffect && (await overRateLimit(deps, facts, call))) {
    return answerError(
      call,
      offeringAPerson("That's a lot of changes in a short time. Please wait a minute and try again.", deps.transfersAvailable),
      "rejected",
    );
  }

  return tracer.startActiveSpan(`tool ${tool.name}`, async (span) => {
    span.setAttributes({ "tool.name": tool.name, "vapi.call_id": facts.callId ?? "", "vapi.tool_call_id": call.toolCallId });
    const started = performance.now();
    const answered = await runWithBudget(deps, facts, call, tool, parsed.data, callState);
    const seconds = (performance.now() - started) / 1000;
    const outcome = answered.errorKind ? "error" : "result";
    span.setAttributes({ "tool.outcome": outcome, "tool.budget_exceeded": answered.errorKind === "timeout" });
    if (answered.errorKind) span.setAttribute("tool.error_kind", answered.errorKind);
    if (answered.errorKind === "internal" || answered.errorKind === "timeout") span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    deps.metrics.toolCall(tool.name, seconds, outcome, answered.errorKind);
    deps.logger.info("tool call", {
      tool: tool.name,
      callId: facts.callId,
      toolCallId: call.toolCallId,
      outcome,
      ...(answered.errorKind ? { errorKind: answered.errorKind } : {}),
      durationMs: Math.round(seconds * 1000),
    });
    return answered;
  });
}

/**
 * Runs the handler against the tool's budget. When the budget runs out the caller hears the
 * timeout sentence at once and the handler's signal is aborted; for side-effecting tools the
 * transaction is rolled back, so a write is never committed after a failure was spoken.
 */
async function runWithBudget(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  callState: CallState,
): Promise<Answered> {
  const budgetMs = tool.budgetMs ?? deps.defaultBudgetMs;
  const controller = lazyAbortController();
  // "running" until the handler settles; "committing" once a side-effect tool is past the point
  // of no return (its commit is awaited even past the budget); "timed-out" once the fallback went out.
  const state: RunState = { phase: "running" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Answered>((resolve) => {
    timer = setTimeout(() => {
      if (state.phase !== "running") return;
      state.phase = "timed-out";
      controller.abort(new Error(`budget of ${budgetMs} ms exceeded`));
      deps.metrics.budgetExceeded(tool.name);
      deps.logger.warn("tool budget exceeded", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, budgetMs });
      resolve(timedOut(call, tool, deps.transfersAvailable));
    }, budgetMs);
  });
  const run: ToolRun = { deps, facts, call, tool, input, abort: controller, callState };
  const work = (tool.sideEffect ? runIdempotent(run, state) : runPlain(run)).catch((err: unknown) =>
    answerThrown(deps, facts, call, tool, err),
  );
  try {
    const answered = await Promise.race([work, timeout]);
    // The handler goes on past its budget (a side-effecting one to roll back): keep it alive until it
    // settles. On Workers, work outside waitUntil is cut when the response goes out, closing its
    // sockets mid-query, which also crashes `wrangler dev`'s Hyperdrive proxy (workers-sdk#15768).
    if (state.phase === "timed-out") deps.defer(boundedBy(work), `tool ${tool.name} after its budget`);
    return answered;
  } finally {
    clearTimeout(timer);
  }
}

async function runPlain(run: ToolRun): Promise<Answered> {
  const hooks: Hook[] = [];
  const value = await run.tool.handler({
    input: run.input,
    ctx: makeContext(run, run.deps.db, hooks),
    get signal() {
      return run.abort.signal;
    },
  });
  await runHooks(run, hooks);
  return toAnswer(run.call, value, run.deps.maxResultChars);
}
