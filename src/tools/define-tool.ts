/**
 * `defineTool`: the one way to write a business tool. A tool is a file under `tools/` that
 * default-exports `defineTool({...})`. The zod schema is the single source of truth: the
 * dispatcher validates arguments with it and Vapi's JSON schema is generated from it.
 *
 * What the caller hears after a call depends on what the handler returns (ADR 10):
 * - data (a string or an object): a `result`; the model speaks about it (or the tool's fixed
 *   `messages.complete`, or the words of `sayExactly`);
 * - `failure(...)`, or a thrown `SpokenError`: an outcome the model must act on (not found, taken,
 *   needs a choice); the model always gets to answer, the tool's fixed `failed` words never play;
 * - `unavailable(...)`, anything else thrown, or the budget running out: our failure; the caller
 *   hears the tool's fixed `messages.failed` words.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { z } from "zod";
import type { Cache } from "../cache/cache.ts";
import type { Database } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import type { Defer } from "../lib/defer.ts";
import type { Logger } from "../lib/logger.ts";
import type { WeeklyHours } from "../services/business-hours.ts";
import type { CallState } from "../services/call-state.ts";
import type { CallerMemory } from "../services/caller-memory.ts";
import type { FailureKind, SpokenFailure } from "../services/context.ts";
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
  /** The business's opening hours (from assistant.config.ts), in `timeZone`. */
  businessHours: WeeklyHours;
  /** Extra services the app was built with (payment, SMS, ...), by name. */
  services: BusinessServices;
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
export interface BusinessServices {}

/**
 * Words Vapi speaks for a tool: a sentence, or a variant with per-language texts and conditions
 * on the call's arguments. Content is at most 1000 characters (Vapi's limit).
 */
export type SpokenText = string | SpokenVariant;

export interface SpokenVariant {
  /** The words. With `contents`, used for languages not listed there. */
  content?: string;
  /**
   * The same words per language, e.g. `{ en: "One moment.", es: "Un momento." }`. Vapi speaks
   * the call's language; for a language not listed it translates the first entry.
   */
  contents?: Partial<Record<Vapi.TextContentLanguage, string>>;
  /**
   * Said only when the call's arguments meet every condition (Vapi compares the argument named
   * `param` with `value`), e.g. `{ param: "partOfDay", operator: "eq", value: "morning" }`.
   */
  conditions?: readonly Vapi.Condition[];
}

/** One text, or several: variants Vapi picks from, or texts for different conditions. */
export type SpokenTexts = SpokenText | readonly SpokenText[];

export interface ToolMessages {
  /** Spoken while the tool starts (Vapi's `request-start`). */
  start?: SpokenTexts;
  /** Spoken if the tool has not answered after `delayedAfterMs` (Vapi's `request-response-delayed`). */
  delayed?: SpokenTexts;
  /** When `delayed` is spoken, 100 to 120000 ms (default 1500). */
  delayedAfterMs?: number;
  /**
   * Fixed words spoken after every successful result instead of a model answer (Vapi's
   * `request-complete`). Leave it unset wherever the model should speak the data; outcomes from
   * `failure()` never trigger it.
   */
  complete?: SpokenTexts;
  /**
   * Fixed words for our failure: a bug, a system down (`unavailable()`), the budget running out,
   * or Vapi not reaching this server at all (Vapi's `request-failed`). Outcomes the model must
   * act on (`failure()`, invalid arguments) are never answered with these words.
   */
  failed?: SpokenTexts;
}

export interface ToolHandlerArgs<I> {
  input: I;
  ctx: ToolContext;
  /** Aborted when the tool's budget runs out; pass it to anything that can be cancelled. */
  signal: AbortSignal;
}

/**
 * What a handler returns: data for the model (a string, or an object serialized on one line),
 * data with the exact words to speak (`sayExactly`), or a failure (`failure`, `unavailable`).
 */
export type ToolReturn = string | Record<string, unknown> | readonly unknown[] | ToolFailure | ExactWords;

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
  /**
   * Spoken when the budget runs out, instead of `messages.failed`. Without it the caller hears
   * `messages.failed`, or the model answers a generic "taking longer" error.
   */
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
const EXACT = Symbol.for("switchboard.tool-exact-words");

/**
 * A spoken failure (src/services/context.ts) marked as a tool's answer, sent as Vapi's `error`.
 * Kind `unavailable`: our side failed; the tool's fixed `failed` words play. Any other kind: an
 * outcome the model must act on (not found, slot taken, needs a choice).
 */
export type ToolFailure = SpokenFailure & { readonly [FAILURE]: true };

/** A service's failure as a tool's answer: the same failure, nothing converted. */
export function toolFailure(spoken: SpokenFailure): ToolFailure {
  return { [FAILURE]: true, ...spoken };
}

/**
 * An outcome the model must act on (not found, slot taken, several matches): the model answers
 * with `message` and `details` (alternatives, ids, appended as JSON) in hand. Never answered
 * with the tool's fixed `failed` words. `kind` matters only where the failure also reaches the
 * REST API.
 */
export function failure(
  message: string,
  details?: Record<string, unknown>,
  kind: Exclude<FailureKind, "unavailable"> = "invalid",
): ToolFailure {
  return toolFailure({ kind, message, ...(details ? { details } : {}) });
}

/**
 * Our failure, reported instead of thrown: a system the tool needs is down. The caller hears the
 * tool's fixed `messages.failed` words (or, without them, the model answers from `message`), and
 * it counts towards offering a person.
 */
export function unavailable(
  message = "Sorry, that system isn't available right now. Please try again in a moment.",
  details?: Record<string, unknown>,
): ToolFailure {
  return toolFailure({ kind: "unavailable", message, ...(details ? { details } : {}) });
}

export function isFailure(value: unknown): value is ToolFailure {
  return typeof value === "object" && value !== null && FAILURE in value;
}

/** A result with the exact words Vapi speaks for it (see `sayExactly`). */
export interface ExactWords {
  readonly [EXACT]: true;
  readonly words: string;
  readonly result: string | Record<string, unknown> | readonly unknown[];
}

/**
 * A result whose words are dictated: Vapi speaks `words` exactly (no model turn), and `result`
 * goes into the conversation for the model's later turns. For what must not be paraphrased,
 * such as a confirmation code read out character by character. At most 1000 characters.
 */
export function sayExactly(words: string, result: ExactWords["result"] = words): ExactWords {
  return { [EXACT]: true, words, result };
}

export function isExactWords(value: unknown): value is ExactWords {
  return typeof value === "object" && value !== null && EXACT in value;
}

/**
 * A spoken failure thrown from anywhere below a handler (a service, a helper): answered exactly as
 * if the handler had returned it (`failure()` by default). Anything else thrown is our fault:
 * logged, and answered with the tool's fixed `failed` words or an apology.
 */
export class SpokenError extends Error {
  override name = "SpokenError";
  readonly failure: ToolFailure;
  constructor(message: string, details?: Record<string, unknown>, kind: FailureKind = "invalid") {
    super(message);
    this.failure = toolFailure({ kind, message, ...(details ? { details } : {}) });
  }
}
