/**
 * Runs the tool calls of one `tool-calls` message: validation, budget, idempotency and error
 * handling live here, once, so a tool file holds only business logic. Every call gets exactly
 * one answer, in order, with its exact toolCallId; nothing here throws.
 */
import { SpanStatusCode } from "@opentelemetry/api";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Cache } from "../cache/cache.ts";
import type { Clock } from "../clock.ts";
import type { Database } from "../db/client.ts";
import { toolCalls } from "../db/schema/index.ts";
import type { Defer } from "../defer.ts";
import type { Logger } from "../logger.ts";
import { CALL_STATE_KEYS, type CallState, callStateKey, createCallState } from "../services/call-state.ts";
import { getCallerMemory, rememberAboutCaller } from "../services/caller-memory.ts";
import type { Metrics, ToolErrorKind } from "../telemetry/metrics.ts";
import { tracer } from "../telemetry/tracing.ts";
import type { CallFacts, NormalizedToolCall } from "../vapi/envelope.ts";
import { argumentsContainCard, CARD_REFUSAL } from "./card-guard.ts";
import { isFailure, SpokenError, type ToolContext, type ToolDefinition, type ToolReturn, type ToolServices } from "./define-tool.ts";
import type { ToolRegistry } from "./registry.ts";

/** One entry of Vapi's `results` array: `result` on success, `error` on failure, always one line. */
export type ToolCallAnswer = { toolCallId: string; name: string; result: string } | { toolCallId: string; name: string; error: string };

export interface DispatcherDeps {
  registry: ToolRegistry;
  db: Database;
  cache: Cache;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  timeZone: string;
  services: ToolServices;
  defer: Defer;
  defaultBudgetMs: number;
  maxResultChars: number;
  maxCallsPerMessage: number;
  /** Side-effecting calls one caller may start per minute; 0 turns the limit off. */
  sideEffectLimitPerMinute: number;
  /** How long per-call state lives in the cache. */
  callStateTtlMs: number;
  /** How long a caller's memory is cached. */
  callerMemoryTtlMs: number;
  /** After this many failed tool calls in one call, error results tell the model to offer a transfer. */
  failuresBeforeHandoff: number;
}

export const APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment, or I can connect you with a person.";
export const DEFAULT_TIMEOUT_MESSAGE =
  "Sorry, that is taking longer than it should. Please try again in a moment, or I can connect you with a person.";

/** Answers every call of a message concurrently; the answers come back in the calls' order. */
export function dispatchToolCalls(deps: DispatcherDeps, facts: CallFacts, calls: readonly NormalizedToolCall[]): Promise<ToolCallAnswer[]> {
  const callState = createCallState(deps.cache, facts.callId, deps.callStateTtlMs, deps.logger);
  return Promise.all(
    calls.map(async (call, index) => {
      const { answer, errorKind } =
        index < deps.maxCallsPerMessage
          ? await runOne(deps, facts, call, callState)
          : answerError(
              call,
              `Too many tool calls in one message; at most ${deps.maxCallsPerMessage} are run. Please ask again.`,
              "rejected",
            );
      if (errorKind && errorKind !== "timeout" && errorKind !== "internal" && errorKind !== "failure") {
        // Tool-level outcomes are counted in runOne; these never reached a tool.
        deps.metrics.toolCall(deps.registry.get(call.name) ? call.name : "unknown", 0, "error", errorKind);
      }
      return errorKind && COUNTS_TOWARDS_HANDOFF.has(errorKind) && "error" in answer
        ? withHandoffHint(deps, facts, call, callState, answer)
        : answer;
    }),
  );
}

/** An answer plus, for errors, why: the kind feeds metrics and traces, never the response. */
interface Answered {
  answer: ToolCallAnswer;
  errorKind?: ToolErrorKind;
}

/**
 * Answers the model can act on (not found, slot taken) and refusals are outcomes, not failures;
 * only what went wrong on our side or between the model and the tool counts towards a handoff.
 */
const COUNTS_TOWARDS_HANDOFF = new Set<ToolErrorKind>(["internal", "timeout", "validation", "unknown_tool"]);

export const HANDOFF_HINT =
  "Several lookups have failed during this call: apologize briefly and offer to transfer the caller to a person (use transferCall if they agree).";

/**
 * Counts a failed tool call in the per-call state (once per toolCallId, however often Vapi
 * re-delivers it) and, from the configured threshold on, tells the model to offer a transfer.
 */
async function withHandoffHint(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  callState: CallState,
  answer: ToolCallAnswer & { error: string },
): Promise<ToolCallAnswer> {
  if (!facts.callId) return answer;
  try {
    const first = await deps.cache.setIfAbsent(callStateKey(facts.callId, `failed:${call.toolCallId}`), "1", deps.callStateTtlMs);
    const failures = first
      ? await callState.increment(CALL_STATE_KEYS.toolFailures)
      : ((await callState.get<number>(CALL_STATE_KEYS.toolFailures)) ?? 0);
    if (failures < deps.failuresBeforeHandoff) return answer;
    if (first && failures === deps.failuresBeforeHandoff && !(await callState.get(CALL_STATE_KEYS.handoff))) {
      await callState.set(CALL_STATE_KEYS.handoff, { reason: "tool-failures" });
    }
    return { ...answer, error: oneLine(`${answer.error} ${HANDOFF_HINT}`, deps.maxResultChars) };
  } catch (err) {
    deps.logger.warn("could not count a tool failure", { callId: facts.callId, toolCallId: call.toolCallId, err });
    return answer;
  }
}

async function runOne(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall, callState: CallState): Promise<Answered> {
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
  if (argumentsContainCard(call.args.value)) {
    deps.logger.warn("tool call refused: card number in arguments", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId });
    return answerError(call, CARD_REFUSAL, "rejected");
  }
  const parsed = tool.parameters.safeParse(call.args.value);
  if (!parsed.success) return answerError(call, describeIssues(parsed.error), "validation");

  if (tool.sideEffect && (await overRateLimit(deps, facts, call))) {
    return answerError(
      call,
      "That's a lot of changes in a short time. Please wait a minute and try again, or I can connect you with a person.",
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
 * Limits how many side-effecting calls one caller starts per minute. Only a toolCallId's first
 * delivery counts, so a redelivery still gets its stored answer. The cache is an accelerator
 * here too: if it is down the limit is not enforced rather than refusing every write.
 */
async function overRateLimit(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall): Promise<boolean> {
  const limit = deps.sideEffectLimitPerMinute;
  if (limit <= 0) return false;
  try {
    const fresh = await deps.cache.setIfAbsent(`ratelimit:seen:${call.toolCallId}`, "1", 10 * 60_000);
    if (!fresh) return false;
    const who = facts.callerNumber ?? facts.callId ?? "anonymous";
    const minute = Math.floor(deps.clock.now().getTime() / 60_000);
    return (await deps.cache.incr(`ratelimit:${who}:${minute}`, 61_000)) > limit;
  } catch {
    return false;
  }
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
      resolve(timedOut(call, tool));
    }, budgetMs);
  });
  const work = (
    tool.sideEffect
      ? runIdempotent(deps, facts, call, tool, input, controller, state, callState)
      : runPlain(deps, facts, call, tool, input, controller, callState)
  ).catch((err: unknown) => answerThrown(deps, facts, call, tool, err));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

type LazyAbort = ReturnType<typeof lazyAbortController>;

/** An AbortController made only when the handler looks at its signal: most never do, and making one per call showed in profiles. */
function lazyAbortController() {
  let controller: AbortController | undefined;
  let aborted = false;
  let reason: unknown;
  return {
    get signal(): AbortSignal {
      if (!controller) {
        controller = new AbortController();
        if (aborted) controller.abort(reason);
      }
      return controller.signal;
    },
    abort(why: unknown) {
      aborted = true;
      reason = why;
      controller?.abort(why);
    },
  };
}

type RunState = { phase: "running" | "committing" | "timed-out" };
type Hook = () => Promise<void> | void;

function makeContext(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  db: Database,
  callState: CallState,
  hooks: Hook[],
): ToolContext {
  const logger = deps.logger.child({ tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId });
  const memoryDeps = { db, cache: deps.cache, logger, ttlMs: deps.callerMemoryTtlMs };
  const caller = facts.callerNumber;
  return {
    callId: facts.callId,
    toolCallId: call.toolCallId,
    callerNumber: facts.callerNumber,
    db,
    cache: deps.cache,
    logger,
    metrics: deps.metrics,
    clock: deps.clock,
    timeZone: deps.timeZone,
    services: deps.services,
    afterCommit: (fn) => void hooks.push(fn),
    callState,
    callerMemory: {
      get: () => (caller ? getCallerMemory(memoryDeps, caller) : Promise.resolve(null)),
      remember: async (update) => {
        if (caller) await rememberAboutCaller(memoryDeps, caller, update);
      },
    },
    defer: deps.defer,
  };
}

/** Runs after-commit hooks in order; a failing hook is logged and never changes the answer. */
async function runHooks(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall, tool: ToolDefinition, hooks: Hook[]) {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      deps.logger.error("after-commit hook failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
    }
  }
}

async function runPlain(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  abort: LazyAbort,
  callState: CallState,
): Promise<Answered> {
  const hooks: Hook[] = [];
  const value = await tool.handler({
    input,
    ctx: makeContext(deps, facts, call, tool, deps.db, callState, hooks),
    get signal() {
      return abort.signal;
    },
  });
  await runHooks(deps, facts, call, tool, hooks);
  return toAnswer(call, value, deps.maxResultChars);
}

class RolledBack extends Error {}

/**
 * Side-effecting tools: the tool_calls row is inserted first, inside the handler's transaction.
 * A concurrent delivery of the same toolCallId blocks on that row's primary key until the first
 * commits, then finds it and returns the stored answer: one side effect, identical answers.
 */
async function runIdempotent(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  abort: LazyAbort,
  state: RunState,
  callState: CallState,
): Promise<Answered> {
  const started = performance.now();
  const hooks: Hook[] = [];
  try {
    const answered = await deps.db.transaction(async (tx) => {
      const claimed = await tx
        .insert(toolCalls)
        .values({
          toolCallId: call.toolCallId,
          callId: facts.callId,
          toolName: tool.name,
          callerNumber: facts.callerNumber,
          outcome: "result",
          response: {},
          durationMs: 0,
        })
        .onConflictDoNothing()
        .returning({ id: toolCalls.toolCallId });
      if (claimed.length === 0) {
        const [stored] = await tx
          .select({ response: toolCalls.response, toolName: toolCalls.toolName })
          .from(toolCalls)
          .where(eq(toolCalls.toolCallId, call.toolCallId));
        if (stored && stored.toolName === tool.name) return storedAnswer(call, stored.response);
        return answerError(call, "That request id was already used for a different action. Please ask again.", "rejected");
      }
      const value = await tool.handler({
        input,
        ctx: makeContext(deps, facts, call, tool, tx, callState, hooks),
        get signal() {
          return abort.signal;
        },
      });
      const answered = toAnswer(call, value, deps.maxResultChars);
      if (state.phase === "timed-out") throw new RolledBack();
      state.phase = "committing";
      const { answer } = answered;
      await tx
        .update(toolCalls)
        .set({
          outcome: "error" in answer ? "error" : "result",
          response: "error" in answer ? { error: answer.error } : { result: answer.result },
          durationMs: Math.round(performance.now() - started),
        })
        .where(eq(toolCalls.toolCallId, call.toolCallId));
      return answered;
    });
    // Only reached once the transaction committed; a stored answer registered no hooks.
    await runHooks(deps, facts, call, tool, hooks);
    return answered;
  } catch (err) {
    if (err instanceof RolledBack) return timedOut(call, tool);
    throw err;
  }
}

function storedAnswer(call: NormalizedToolCall, response: { result?: string; error?: string }): Answered {
  return typeof response.error === "string"
    ? answerError(call, response.error, "failure")
    : { answer: { toolCallId: call.toolCallId, name: call.name, result: response.result ?? "" } };
}

function timedOut(call: NormalizedToolCall, tool: ToolDefinition): Answered {
  return answerError(call, tool.timeoutMessage ?? DEFAULT_TIMEOUT_MESSAGE, "timeout");
}

function answerThrown(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall, tool: ToolDefinition, err: unknown): Answered {
  if (err instanceof SpokenError) return answerError(call, withDetails(err.message, err.details), "failure", deps.maxResultChars);
  deps.logger.error("tool failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
  return answerError(call, APOLOGY, "internal");
}

function toAnswer(call: NormalizedToolCall, value: ToolReturn, maxChars: number): Answered {
  if (isFailure(value)) return answerError(call, withDetails(value.message, value.details), "failure", maxChars);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { answer: { toolCallId: call.toolCallId, name: call.name, result: oneLine(text ?? "", maxChars) } };
}

function answerError(call: NormalizedToolCall, message: string, errorKind: ToolErrorKind, maxChars = 2000): Answered {
  return { answer: { toolCallId: call.toolCallId, name: call.name, error: oneLine(message, maxChars) }, errorKind };
}

function withDetails(message: string, details?: Record<string, unknown>): string {
  return details ? `${message} ${JSON.stringify(details)}` : message;
}

/** Vapi needs single-line strings; oversized results cost tokens and latency, so they are capped. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}

/** Turns zod issues into a sentence the model can act on, naming each field. */
export function describeIssues(error: z.ZodError): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.length > 0 ? `"${issue.path.join(".")}"` : "the arguments";
    if (issue.code === "invalid_type" && issue.input === undefined) return `${field} is required`;
    if (issue.code === "unrecognized_keys") return `unknown argument(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    return `${field}: ${issue.message}`;
  });
  return `Invalid arguments: ${parts.join("; ")}.`;
}
