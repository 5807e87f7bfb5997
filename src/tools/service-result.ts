/** Glue between service results and tool answers, shared by the business tools. */

import { isE164 } from "../lib/patterns.ts";
import type { Result } from "../services/context.ts";
import { failure, type ToolContext, type ToolFailure, toolFailure } from "./define-tool.ts";

/**
 * A service's result as a tool's answer: the value (mapped), or the same spoken failure, heard by
 * its kind (`unavailable`: the tool's fixed `failed` words; any other: the model acts on it).
 */
export function fromResult<T>(
  result: Result<T>,
  map?: (value: T) => Record<string, unknown> | readonly unknown[],
): Record<string, unknown> | readonly unknown[] | ToolFailure {
  if (!result.ok) return toolFailure(result.error);
  return map ? map(result.value) : (result.value as Record<string, unknown>);
}

export const NO_CALLER = failure(
  "I can't see the number you're calling from, so I can't look up your records. Please call from the phone number on your account.",
);

/** The caller's number from the call itself, or undefined (web calls, withheld numbers). */
export function callerOf(ctx: ToolContext): string | undefined {
  const n = ctx.callerNumber?.replace(/[^\d+]/g, "");
  return n && isE164(n) ? n : undefined;
}

/** A code as separate characters ("K, 7, Q, 2"), so the voice reads it out one by one, not as a word. */
export function spellOut(code: string): string {
  return [...code.replace(/\s+/g, "")].join(", ");
}
