/** Glue between service results and tool answers, shared by the business tools. */

import { isE164 } from "../lib/patterns.ts";
import type { Result } from "../services/context.ts";
import { failure, type ToolContext, type ToolFailure, unavailable } from "./define-tool.ts";

/**
 * A service failure becomes an `error`: not found, conflict and invalid are outcomes the model
 * acts on (with details such as alternatives); `unavailable` is our failure, heard as the tool's
 * fixed `failed` words.
 */
export function answer<T>(
  result: Result<T>,
  map?: (value: T) => Record<string, unknown> | readonly unknown[],
): Record<string, unknown> | readonly unknown[] | ToolFailure {
  if (!result.ok) {
    const { kind, message, details } = result.error;
    return kind === "unavailable" ? unavailable(message, details) : failure(message, details);
  }
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
