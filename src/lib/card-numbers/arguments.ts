/** The tool-argument guard's walk: every string, number and key of parsed arguments, within fixed limits. */
import { containsCardNumber } from "./cards.ts";

export const ARGUMENT_SCAN_LIMITS = { depth: 32, chars: 1_000_000, nodes: 100_000 } as const;

/**
 * Searches every string, number and key of a parsed JSON value for a card number. Beyond the
 * limits (nesting, total characters, values) it answers true: the guard refuses such a call
 * rather than pass on a remainder it has not read.
 */
export function argumentsContainCard(value: unknown): boolean {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let chars = 0;
  let nodes = 0;
  const hit = (text: string): boolean => {
    chars += text.length;
    return chars > ARGUMENT_SCAN_LIMITS.chars || containsCardNumber(text);
  };
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (++nodes > ARGUMENT_SCAN_LIMITS.nodes) return true;
    const v = item.value;
    if (typeof v === "string") {
      if (hit(v)) return true;
    } else if (typeof v === "number" || typeof v === "bigint") {
      if (hit(String(v))) return true;
    } else if (v !== null && typeof v === "object") {
      if (item.depth >= ARGUMENT_SCAN_LIMITS.depth) return true;
      if (Array.isArray(v)) {
        if (nodes + stack.length + v.length > ARGUMENT_SCAN_LIMITS.nodes) return true;
        for (const element of v) stack.push({ value: element, depth: item.depth + 1 });
      } else {
        const entries = Object.entries(v);
        if (nodes + stack.length + entries.length > ARGUMENT_SCAN_LIMITS.nodes) return true;
        for (const [key, element] of entries) {
          if (hit(key)) return true;
          stack.push({ value: element, depth: item.depth + 1 });
        }
      }
    }
  }
  return false;
}
