/** Glue between service results and tool answers, shared by the business tools. */
import type { Result } from "../services/context.ts";
import { failure, type ToolContext, type ToolFailure } from "./define-tool.ts";

/** A service failure becomes an `error` the model speaks (with its details, such as alternatives). */
export function answer<T>(
  result: Result<T>,
  map?: (value: T) => Record<string, unknown> | readonly unknown[],
): Record<string, unknown> | readonly unknown[] | ToolFailure {
  if (!result.ok) return failure(result.error.message, result.error.details);
  return map ? map(result.value) : (result.value as Record<string, unknown>);
}

export const NO_CALLER = failure(
  "I can't see the number you're calling from, so I can't look up your records. Please call from the phone number on your account.",
);

/** The caller's number from the call itself, or undefined (web calls, withheld numbers). */
export function callerOf(ctx: ToolContext): string | undefined {
  const n = ctx.callerNumber?.replace(/[^\d+]/g, "");
  return n && /^\+[1-9]\d{6,14}$/.test(n) ? n : undefined;
}
