/** The answers a tool call can get: results, spoken errors and the fixed sentences, always on one line. */
import type { z } from "zod";
import type { ToolErrorKind } from "../../telemetry/metrics.ts";
import type { CallFacts, NormalizedToolCall } from "../../vapi/envelope.ts";
import { isFailure, SpokenError, type ToolDefinition, type ToolReturn } from "../define-tool.ts";
import type { DispatcherDeps } from "./context.ts";

/** One entry of Vapi's `results` array: `result` on success, `error` on failure, always one line. */
export type ToolCallAnswer = { toolCallId: string; name: string; result: string } | { toolCallId: string; name: string; error: string };

export const APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment, or I can connect you with a person.";
export const DEFAULT_TIMEOUT_MESSAGE =
  "Sorry, that is taking longer than it should. Please try again in a moment, or I can connect you with a person.";

/** An answer plus, for errors, why: the kind feeds metrics and traces, never the response. */
export interface Answered {
  answer: ToolCallAnswer;
  errorKind?: ToolErrorKind;
}

export function storedAnswer(call: NormalizedToolCall, response: { result?: string; error?: string }): Answered {
  return typeof response.error === "string"
    ? answerError(call, response.error, "failure")
    : { answer: { toolCallId: call.toolCallId, name: call.name, result: response.result ?? "" } };
}

export function timedOut(call: NormalizedToolCall, tool: ToolDefinition): Answered {
  return answerError(call, tool.timeoutMessage ?? DEFAULT_TIMEOUT_MESSAGE, "timeout");
}

export function answerThrown(
  deps: DispatcherDeps,
  facts: CallFacts,
  call: NormalizedToolCall,
  tool: ToolDefinition,
  err: unknown,
): Answered {
  if (err instanceof SpokenError) return answerError(call, withDetails(err.message, err.details), "failure", deps.maxResultChars);
  deps.logger.error("tool failed", { tool: tool.name, callId: facts.callId, toolCallId: call.toolCallId, err });
  return answerError(call, APOLOGY, "internal");
}

export function toAnswer(call: NormalizedToolCall, value: ToolReturn, maxChars: number): Answered {
  if (isFailure(value)) return answerError(call, withDetails(value.message, value.details), "failure", maxChars);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { answer: { toolCallId: call.toolCallId, name: call.name, result: oneLine(text ?? "", maxChars) } };
}

export function answerError(call: NormalizedToolCall, message: string, errorKind: ToolErrorKind, maxChars = 2000): Answered {
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
