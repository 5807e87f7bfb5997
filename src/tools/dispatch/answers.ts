/**
 * The answers a tool call can get, always on one line, in the three spoken outcomes of ADR 10:
 *
 * | outcome                                  | sent to Vapi                                         | the caller hears                                 |
 * | ---------------------------------------- | ---------------------------------------------------- | ------------------------------------------------ |
 * | result                                   | `result` (+ `message` request-complete: sayExactly)  | the model, or the dictated / `complete` words    |
 * | outcome the model must act on            | `error` + `message` request-failed, role system      | the model, with a hint (never the `failed` words) |
 * | our failure (bug, system down, timeout)  | `error` (+ `message` request-failed: timeoutMessage) | the tool's fixed `failed` words, else the model  |
 *
 * Vapi speaks, in order: the result's own `message` of the matching type, the tool's message of
 * that type, the model (SDK `ToolCallResult`). A `role: "system"` message is a hint to the model
 * instead of words, so an outcome's own message keeps the tool's fixed `failed` words from
 * playing over "not found".
 */
import type { z } from "zod";
import type { ToolErrorKind } from "../../telemetry/metrics.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import { isExactWords, isFailure, SpokenError, type ToolDefinition, type ToolReturn } from "../define-tool.ts";
import type { DispatcherDeps } from "./context.ts";

/** Vapi's per-result `message` (`ToolCallResultSpokenMessage`): exact words, or with role system a hint to the model. */
export interface SpokenMessage {
  type: "request-complete" | "request-failed";
  content: string;
  role?: "system";
}

/** One entry of Vapi's `results` array: `result` on success, `error` on failure, always one line. */
export type ToolCallAnswer =
  | { toolCallId: string; name: string; result: string; message?: SpokenMessage }
  | { toolCallId: string; name: string; error: string; message?: SpokenMessage };

export const APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment.";
export const DEFAULT_TIMEOUT_MESSAGE = "Sorry, that is taking longer than it should. Please try again in a moment.";

/**
 * The sentence, offering a person only where a transfer can happen (`transfersAvailable` false:
 * no TRANSFER_NUMBER and no handoff destination, so the offer would be a promise nobody keeps).
 */
export function offeringAPerson(sentence: string, transfersAvailable: boolean | undefined): string {
  return transfersAvailable === false ? sentence : `${sentence.replace(/\.$/, "")}, or I can connect you with a person.`;
}

/** Vapi's limit on a tool message's `content`. */
export const MAX_SPOKEN_CHARS = 1000;

/** The hints that let the model answer an error itself (role system), by what the error is. */
export const HINTS = {
  /** The tool answered: not found, taken, needs a choice. */
  outcome:
    "This error is an answer for the caller, not a system problem: tell them in one short sentence what it means and offer what it suggests.",
  /** The model called the tool wrongly: bad arguments, an unknown tool, too many calls at once. */
  modelMistake:
    "The tool did not run because of how it was called (see the error): correct the call and try again, or ask the caller for what is missing. Do not mention a system problem.",
  /** Refused on purpose: a card number, too many changes, a reused request id. */
  refused:
    "The tool call was refused for the reason in the error: tell the caller that reason in one short sentence and offer what it suggests.",
} as const;

export type Hint = keyof typeof HINTS;

/** Which hint an error of each kind carries; internal failures and timeouts carry none (the `failed` words play). */
const HINT_FOR: Record<ToolErrorKind, Hint | undefined> = {
  failure: "outcome",
  validation: "modelMistake",
  unknown_tool: "modelMistake",
  rejected: "refused",
  internal: undefined,
  timeout: undefined,
};

/** An answer plus, for errors, why: the kind feeds metrics and traces, never the response. */
export interface Answered {
  answer: ToolCallAnswer;
  errorKind?: ToolErrorKind;
}

/** The form an answer is stored in for side-effecting tools, so a redelivery gets the same answer. */
export type StoredResponse = { result?: string; error?: string; message?: SpokenMessage };

export function storedResponse(answer: ToolCallAnswer): StoredResponse {
  const { toolCallId: _id, name: _name, ...rest } = answer;
  return rest;
}

export function storedAnswer(call: NormalizedToolCall, response: StoredResponse): Answered {
  const ids = { toolCallId: call.toolCallId, name: call.name };
  const message = response.message ? { message: response.message } : {};
  if (typeof response.error === "string") {
    // Only outcomes and `unavailable()` are stored: throws and timeouts roll the claim back.
    return {
      answer: { ...ids, error: response.error, ...message },
      errorKind: response.message?.role === "system" ? "failure" : "internal",
    };
  }
  return { answer: { ...ids, result: response.result ?? "", ...message } };
}

export function timedOut(call: NormalizedToolCall, tool: ToolDefinition, transfersAvailable: boolean | undefined): Answered {
  const answered = answerError(call, tool.timeoutMessage ?? offeringAPerson(DEFAULT_TIMEOUT_MESSAGE, transfersAvailable), "timeout");
  // A tool's own timeout sentence is meant to be heard as written, over its `failed` words.
  return tool.timeoutMessage
    ? withMessage(answered, { type: "request-failed", content: oneLine(tool.timeoutMessage, MAX_SPOKEN_CHARS) })
    : answered;
}

export function answerThrown(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  err: unknown,
): Answered {
  if (err instanceof SpokenError) return toAnswer(call, err.failure, deps.maxResultChars);
  deps.logger.error("tool failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
  return answerError(call, offeringAPerson(APOLOGY, deps.transfersAvailable), "internal");
}

export function toAnswer(call: NormalizedToolCall, value: ToolReturn, maxChars: number): Answered {
  if (isFailure(value)) {
    return answerError(call, withDetails(value.message, value.details), value.kind === "unavailable" ? "internal" : "failure", maxChars);
  }
  if (isExactWords(value)) {
    const answered = toAnswer(call, value.result, maxChars);
    return withMessage(answered, { type: "request-complete", content: oneLine(value.words, MAX_SPOKEN_CHARS) });
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { answer: { toolCallId: call.toolCallId, name: call.name, result: oneLine(text ?? "", maxChars) } };
}

/**
 * An `error` answer. Errors the model must act on carry a role-system `request-failed` message
 * (the hint for their kind, or the one given), so the tool's fixed `failed` words never play over them.
 */
export function answerError(call: NormalizedToolCall, text: string, errorKind: ToolErrorKind, maxChars = 2000, hint?: Hint): Answered {
  const answer: ToolCallAnswer = { toolCallId: call.toolCallId, name: call.name, error: oneLine(text, maxChars) };
  hint ??= HINT_FOR[errorKind];
  if (hint) answer.message = { type: "request-failed", role: "system", content: HINTS[hint] };
  return { answer, errorKind };
}

function withMessage(answered: Answered, message: SpokenMessage): Answered {
  return { ...answered, answer: { ...answered.answer, message } };
}

function withDetails(message: string, details?: Record<string, unknown>): string {
  return details ? `${message} ${JSON.stringify(details)}` : message;
}

/** Vapi needs single-line strings; oversized results cost tokens and latency, so they are capped. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}

/**
 * Turns zod issues into a sentence the model can act on, naming each field. zod 4 leaves the
 * offending value out of its issues, so `input` (the arguments as parsed) tells a missing field
 * ("is required") from one of the wrong type ("must be a string, not a number").
 */
export function describeIssues(error: z.ZodError, input?: unknown): string {
  const parts = error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.length > 0 ? `"${issue.path.join(".")}"` : "the arguments";
    if (issue.code === "invalid_type") {
      const value = valueAt(input, issue.path);
      if (!value.found || value.value === undefined) return `${field} is required`;
      return `${field} must be ${withArticle(issue.expected)}, not ${typeName(value.value)}`;
    }
    if (issue.code === "unrecognized_keys") return `unknown argument(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    return `${field}: ${issue.message}`;
  });
  return `Invalid arguments: ${parts.join("; ")}.`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return { found: false };
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return { found: true, value: current };
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return withArticle(typeof value);
}

function withArticle(type: string): string {
  if (type === "array") return "a list";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
