/** What one tool call runs with: the dispatcher's dependencies, its abort signal and state, and the handler's `ctx`. */
import type { Cache } from "../../cache/cache.ts";
import type { Database } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import type { Defer } from "../../lib/defer.ts";
import type { Logger } from "../../lib/logger.ts";
import type { WeeklyHours } from "../../services/business-hours.ts";
import type { CallState } from "../../services/call-state.ts";
import { getCallerMemory, rememberAboutCaller } from "../../services/caller-memory.ts";
import type { Metrics } from "../../telemetry/metrics.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import type { BusinessServices, ToolContext, ToolDefinition } from "../define-tool.ts";
import type { ToolRegistry } from "../registry.ts";

export interface DispatcherDeps {
  registry: ToolRegistry;
  db: Database;
  cache: Cache;
  logger: Logger;
  metrics: Metrics;
  clock: Clock;
  timeZone: string;
  businessHours: WeeklyHours;
  services: BusinessServices;
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
  /** False when no transfer destination is configured: the advice after repeated failures then offers no person. */
  transfersAvailable?: boolean;
}

export type LazyAbort = ReturnType<typeof lazyAbortController>;

/** An AbortController made only when the handler looks at its signal: most never do, and one per call is measurable on the hot path. */
export function lazyAbortController() {
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

export type RunState = { phase: "running" | "committing" | "timed-out" };

/** One tool call as it runs: the dispatcher's dependencies, the call it belongs to, the validated input, its abort signal and call state. */
export interface ToolRun {
  deps: DispatcherDeps;
  facts: CallFacts;
  call: NormalizedToolCall;
  tool: ToolDefinition;
  input: Record<string, unknown>;
  abort: LazyAbort;
  callState: CallState;
}
export type Hook = () => Promise<void> | void;

/** The handler's `ctx`, on `db` (the pool, or the side-effecting tool's transaction); `afterCommit` adds to `hooks`. */
export function makeContext(run: ToolRun, db: Database, hooks: Hook[]): ToolContext {
  const { deps, facts, call, tool, callState } = run;
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
    businessHours: deps.businessHours,
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
export async function runHooks({ deps, facts, call, tool }: ToolRun, hooks: Hook[]) {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      deps.logger.error("after-commit hook failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
    }
  }
}
