/**
 * `defineTool`: the one way to write a business tool. A tool is a file under `tools/` that
 * default-exports `defineTool({...})`. The zod schema is the single source of truth: the
 * dispatcher validates arguments with it and Vapi's JSON schema is generated from it.
 */
import type { z } from "zod";
import type { Cache } from "../cache/cache.ts";
import type { Database } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import type { Defer } from "../lib/defer.ts";
import type { Logger } from "../lib/logger.ts";
import type { CallState } from "../services/call-state.ts";
import type { CallerMemory } from "../services/caller-memory.ts";
import type { Metrics } from "../telemetry/metrics.ts";

/** Trusted facts and services a handler may use. Nothing here comes from the model. */
export interface ToolContext {
  callId: string | undefined;
  toolCallId: string;
  /** The caller's number from the call itself (E.164), never from model arguments. */
  callerNumber: string | undefined;
  /**
   * The database. For tools with `sideEffect: true` this is the transaction that also records
   * the tool call: the handler's writes and the idempotency record commit together or not at all.
   */
  db: Database;
  cache: Cache;
  logger: Logger;
  /** For read-through lookups to count cache hits and misses. */
  metrics: Metrics;
  clock: Clock;
  /** The business's IANA time zone, for speaking times. */
  timeZone: string;
  /** Extra services the app was built with (payment, SMS, ...), by name. */
  services: ToolServices;
  /** State shared by this call's tool calls while the call lasts (kept in the cache with a TTL). */
  callState: CallState;
  /** What the business remembers about this caller across calls (no-op without a caller number). */
  callerMemory: {
    get(): Promise<CallerMemory | null>;
    /** Remembers a name or facts (merged key by key); redacted like call records. */
    remember(update: { name?: string; facts?: Record<string, unknown> }): Promise<void>;
  };
  /**
   * Runs `fn` once the tool's writes are committed (for `sideEffect` tools, after the dispatcher
   * commits its transaction; otherwise after the handler returns). Never runs when the writes
   * roll back or when a repeated delivery is answered from the log. For cache invalidation and
   * deliveries (SMS) that must not happen for a write that did not commit. Errors are logged.
   */
  afterCommit(fn: () => Promise<void> | void): void;
  /**
   * Hands off work the answer does not wait for (a cache refresh, a notification). On Workers a
   * plain un-awaited promise may be cancelled once the response is sent; a deferred one is not.
   */
  defer: Defer;
}

/** Services registered through `createApp({ services })`; tools declare what they expect by augmentation. */
// biome-ignore lint/suspicious/noEmptyInterface: extended by declaration merging in tool modules
export interface ToolServices {}

export interface ToolMessages {
  /** Spoken while the tool starts (Vapi's `request-start`). */
  start?: string;
  /** Spoken if the tool has not answered after `delayedAfterMs` (Vapi's `request-response-delayed`). */
  delayed?: string;
  delayedAfterMs?: number;
  /** Spoken when the tool returns an error (Vapi's `request-failed`). */
  failed?: string;
}

export interface ToolHandlerArgs<I> {
  input: I;
  ctx: ToolContext;
  /** Aborted when the tool's budget runs out; pass it to anything that can be cancelled. */
  signal: AbortSignal;
}

/** What a handler returns: data for the model (a string, or an object serialized on one line), or a failure. */
export type ToolReturn = string | Record<string, unknown> | readonly unknown[] | ToolFailure;

export interface ToolDefinitionInput<S extends z.ZodObject> {
  /** snake_case verb, letters, digits, `_` or `-`, at most 64 characters. */
  name: string;
  /** What the tool does and when to use it; the model reads this. */
  description: string;
  parameters: S;
  /** Server-side time budget in milliseconds (default from TOOL_BUDGET_MS, normally 200). */
  budgetMs?: number;
  /** True when the tool writes: calls are then idempotent by toolCallId and run in a transaction. */
  sideEffect?: boolean;
  messages?: ToolMessages;
  /** Spoken when the budget runs out (defaults to a generic "taking longer" sentence). */
  timeoutMessage?: string;
  handler(args: ToolHandlerArgs<z.output<S>>): Promise<ToolReturn> | ToolReturn;
  /**
   * Optional: runs the tool's hot queries once at start-up (with arguments that match nothing),
   * so connections are open and statements prepared before the first call arrives.
   */
  warm?(ctx: WarmContext): Promise<void>;
}

/** What a warm-up hook may use. */
export type WarmContext = Pick<ToolContext, "db" | "cache" | "clock" | "timeZone" | "services">;

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> extends ToolDefinitionInput<S> {
  readonly kind: "switchboard-tool";
}

/** Declares a tool. Validation of the definition happens when the registry loads it. */
export function defineTool<S extends z.ZodObject>(definition: ToolDefinitionInput<S>): ToolDefinition<S> {
  return { ...definition, kind: "switchboard-tool" };
}

const FAILURE = Symbol.for("switchboard.tool-failure");

/** A failure the model can act on (not found, slot taken, ...). Sent to Vapi as `error`. */
export interface ToolFailure {
  readonly [FAILURE]: true;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/**
 * Returns a failure for the model to speak and act on. `details` (alternatives, ids) are
 * appended as JSON so the model can offer them.
 */
export function failure(message: string, details?: Record<string, unknown>): ToolFailure {
  return { [FAILURE]: true, message, ...(details ? { details } : {}) };
}

export function isFailure(value: unknown): value is ToolFailure {
  return typeof value === "object" && value !== null && FAILURE in value;
}

/**
 * Thrown from anywhere below a handler (a service, a helper) when the caller should hear
 * `message`. Anything else thrown is treated as our fault: logged, and answered with an apology.
 */
export class SpokenError extends Error {
  override name = "SpokenError";
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
