/**
 * Runs the tool calls of one `tool-calls` message: validation, budget, idempotency and error
 * handling live here, once, so a tool file holds only business logic. Every call gets exactly
 * one answer, in order, with its exact toolCallId; nothing here throws.
 */
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import type { Cache } from "../cache/cache.ts";
import type { Clock } from "../clock.ts";
import type { Database } from "../db/client.ts";
import { toolCalls } from "../db/schema/index.ts";
import type { Defer } from "../defer.ts";
import type { Logger } from "../logger.ts";
import type { CallFacts, NormalizedToolCall } from "../vapi/envelope.ts";
import { isFailure, SpokenError, type ToolContext, type ToolDefinition, type ToolReturn, type ToolServices } from "./define-tool.ts";
import type { ToolRegistry } from "./registry.ts";

/** One entry of Vapi's `results` array: `result` on success, `error` on failure, always one line. */
export type ToolCallAnswer = { toolCallId: string; name: string; result: string } | { toolCallId: string; name: string; error: string };

export interface DispatcherDeps {
  registry: ToolRegistry;
  db: Database;
  cache: Cache;
  logger: Logger;
  clock: Clock;
  timeZone: string;
  services: ToolServices;
  defer: Defer;
  defaultBudgetMs: number;
  maxResultChars: number;
  maxCallsPerMessage: number;
}

export const APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment, or I can connect you with a person.";
export const DEFAULT_TIMEOUT_MESSAGE =
  "Sorry, that is taking longer than it should. Please try again in a moment, or I can connect you with a person.";

const tracer = trace.getTracer("switchboard");

/** Answers every call of a message concurrently; the answers come back in the calls' order. */
export function dispatchToolCalls(deps: DispatcherDeps, facts: CallFacts, calls: readonly NormalizedToolCall[]): Promise<ToolCallAnswer[]> {
  return Promise.all(
    calls.map((call, index) =>
      index < deps.maxCallsPerMessage
        ? runOne(deps, facts, call)
        : Promise.resolve(
            answerError(call, `Too many tool calls in one message; at most ${deps.maxCallsPerMessage} are run. Please ask again.`),
          ),
    ),
  );
}

async function runOne(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall): Promise<ToolCallAnswer> {
  const tool = deps.registry.get(call.name);
  if (!tool) {
    const known = deps.registry
      .list()
      .map((t) => t.name)
      .join(", ");
    return answerError(call, `There is no tool named "${call.name}". Available tools: ${known}.`);
  }
  if (!call.args.ok) return answerError(call, call.args.reason);
  const parsed = tool.parameters.safeParse(call.args.value);
  if (!parsed.success) return answerError(call, describeIssues(parsed.error));

  return tracer.startActiveSpan(`tool ${tool.name}`, async (span) => {
    span.setAttributes({ "tool.name": tool.name, "vapi.call_id": facts.callId ?? "", "vapi.tool_call_id": call.toolCallId });
    const started = performance.now();
    const answer = await runWithBudget(deps, facts, call, tool, parsed.data);
    const durationMs = Math.round(performance.now() - started);
    const outcome = "error" in answer ? "error" : "result";
    span.setAttribute("tool.outcome", outcome);
    if (outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    deps.logger.info("tool call", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, outcome, durationMs });
    return answer;
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
): Promise<ToolCallAnswer> {
  const budgetMs = tool.budgetMs ?? deps.defaultBudgetMs;
  const controller = new AbortController();
  // "running" until the handler settles; "committing" once a side-effect tool is past the point
  // of no return (its commit is awaited even past the budget); "timed-out" once the fallback went out.
  const state = { phase: "running" as "running" | "committing" | "timed-out" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ToolCallAnswer>((resolve) => {
    timer = setTimeout(() => {
      if (state.phase !== "running") return;
      state.phase = "timed-out";
      controller.abort(new Error(`budget of ${budgetMs} ms exceeded`));
      deps.logger.warn("tool budget exceeded", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, budgetMs });
      resolve(answerError(call, tool.timeoutMessage ?? DEFAULT_TIMEOUT_MESSAGE));
    }, budgetMs);
  });
  const work = (
    tool.sideEffect
      ? runIdempotent(deps, facts, call, tool, input, controller.signal, state)
      : runPlain(deps, facts, call, tool, input, controller.signal)
  ).catch((err: unknown) => answerThrown(deps, facts, call, tool, err));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function makeContext(deps: DispatcherDeps, facts: CallFacts, call: NormalizedToolCall, tool: ToolDefinition, db: Database): ToolContext {
  return {
    callId: facts.callId,
    toolCallId: call.toolCallId,
    callerNumber: facts.callerNumber,
    db,
    cache: deps.cache,
    logger: deps.logger.child({ tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId }),
    clock: deps.clock,
    timeZone: deps.timeZone,
    services: deps.services,
    defer: deps.defer,
  };
}

async function runPlain(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  input: Record<string, unknown>,
  signal: AbortSignal,
): Promise<ToolCallAnswer> {
  const value = await tool.handler({ input, ctx: makeContext(deps, facts, call, tool, deps.db), signal });
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
  signal: AbortSignal,
  state: { phase: "running" | "committing" | "timed-out" },
): Promise<ToolCallAnswer> {
  const started = performance.now();
  try {
    return await deps.db.transaction(async (tx) => {
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
        return answerError(call, "That request id was already used for a different action. Please ask again.");
      }
      const value = await tool.handler({ input, ctx: makeContext(deps, facts, call, tool, tx), signal });
      const answer = toAnswer(call, value, deps.maxResultChars);
      if (state.phase === "timed-out") throw new RolledBack();
      state.phase = "committing";
      const response = "error" in answer ? { error: answer.error } : { result: answer.result };
      await tx
        .update(toolCalls)
        .set({ outcome: "error" in answer ? "error" : "result", response, durationMs: Math.round(performance.now() - started) })
        .where(eq(toolCalls.toolCallId, call.toolCallId));
      return answer;
    });
  } catch (err) {
    if (err instanceof RolledBack) return answerError(call, tool.timeoutMessage ?? DEFAULT_TIMEOUT_MESSAGE);
    throw err;
  }
}

function storedAnswer(call: NormalizedToolCall, response: { result?: string; error?: string }): ToolCallAnswer {
  return typeof response.error === "string"
    ? answerError(call, response.error)
    : { toolCallId: call.toolCallId, name: call.name, result: response.result ?? "" };
}

function answerThrown(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  err: unknown,
): ToolCallAnswer {
  if (err instanceof SpokenError) return answerError(call, withDetails(err.message, err.details), deps.maxResultChars);
  deps.logger.error("tool failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
  return answerError(call, APOLOGY);
}

function toAnswer(call: NormalizedToolCall, value: ToolReturn, maxChars: number): ToolCallAnswer {
  if (isFailure(value)) return answerError(call, withDetails(value.message, value.details), maxChars);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { toolCallId: call.toolCallId, name: call.name, result: oneLine(text ?? "", maxChars) };
}

function answerError(call: NormalizedToolCall, message: string, maxChars = 2000): ToolCallAnswer {
  return { toolCallId: call.toolCallId, name: call.name, error: oneLine(message, maxChars) };
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
