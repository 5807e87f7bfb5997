/** The tool-argument guard's walk: every string, number and key of parsed arguments, within fixed limits. */
import { containsCardNumber } from "./cards.ts";

export const ARGUMENT_SCAN_LIMITS = { depth: 32, chars: 1_000_000, nodes: 100_000 } as const;

/**
 * What the guard found in parsed arguments: a card number, a NUL character (no database text can
 * hold one), or more than the limits allow it to read (nesting, total characters, values): such
 * a call is refused rather than passed on with a remainder nobody has checked.
 */
export type ArgumentsScan = "clean" | "card" | "nul" | "unread";

/** Searches every string, number and key of a parsed JSON value, within fixed limits. */
export function scanArguments(value: unknown): ArgumentsScan {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let chars = 0;
  let nodes = 0;
  let nul = false;
  const look = (text: string): ArgumentsScan | undefined => {
    chars += text.length;
    if (chars > ARGUMENT_SCAN_LIMITS.chars) return "unread";
    if (containsCardNumber(text)) return "card";
    nul ||= text.includes("\u0000");
    return undefined;
  };
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (++nodes > ARGUMENT_SCAN_LIMITS.nodes) return "unread";
    const v = item.value;
    let found: ArgumentsScan | undefined;
    if (typeof v === "string") {
      found = look(v);
    } else if (typeof v === "number" || typeof v === "bigint") {
      found = look(String(v));
    } else if (v !== null && typeof v === "object") {
      if (item.depth >= ARGUMENT_SCAN_LIMITS.depth) return "unread";
      if (Array.isArray(v)) {
        if (nodes + stack.length + v.length > ARGUMENT_SCAN_LIMITS.nodes) return "unread";
        for (const element of v) stack.push({ value: element, depth: item.depth + 1 });
      } else {
        const entries = Object.entries(v);
        if (nodes + stack.length + entries.length > ARGUMENT_SCAN_LIMITS.nodes) return "unread";
        for (const [key, element] of entries) {
          found = look(key);
          if (found) break;
          stack.push({ value: element, depth: item.depth + 1 });
        }
      }
    }
    if (found) return found;
  }
  return nul ? "nul" : "clean";
}

/** True when the arguments hold a card number, or more than the guard could read. */
export function argumentsContainCard(value: unknown): boolean {
  const scan = scanArguments(value);
  return scan === "card" || scan === "unread";
}
