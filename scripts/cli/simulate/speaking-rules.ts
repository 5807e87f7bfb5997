/**
 * What a caller hears around a tool call, by Vapi's rules as its server SDK documents them
 * (`ToolCallResult`, `ToolMessageStart`/`Complete`/`Failed`/`Delayed`):
 *
 * - after a `result`: the result's own `message` if it is a `request-complete`, else the tool's
 *   `request-complete` message, else the model's answer;
 * - after an `error`: the result's own `message` if it is a `request-failed`, else the tool's
 *   `request-failed` message, else the model's answer;
 * - a message of the other type is not spoken;
 * - a message with `role: "system"` is not spoken: it is a hint to the model, whose answer is;
 *   `endCallAfterSpokenEnabled` ends the call after the words (ignored with role system);
 * - a message is used only when the call's arguments meet all its `conditions`;
 * - `contents` (one text per language) wins over `content`; a language not listed is translated
 *   from the first entry;
 * - `request-start` messages are variants (one is spoken); `request-response-delayed` messages play
 *   once the answer is later than their timing (same timing: variants, different: stages).
 */

/** A tool message as it appears in a tool definition or as a result's `message`. */
export interface VapiToolMessage {
  type: string;
  content?: string;
  contents?: { type?: string; text: string; language: string }[];
  conditions?: { operator: string; param: string; value: string }[];
  role?: string;
  endCallAfterSpokenEnabled?: boolean;
  timingMilliseconds?: number;
  blocking?: boolean;
}

/** One entry of the `results` Vapi receives. */
export interface VapiToolResult {
  result?: string;
  error?: string;
  message?: VapiToolMessage;
}

export interface CallContext {
  /** The arguments the model called the tool with (conditions compare them). */
  args: Record<string, unknown>;
  /** The call's language, e.g. "en". */
  language: string;
}

/** What the caller hears after the result: fixed words, or the model's own answer (with a hint). */
export type Heard =
  | { by: "words"; text: string; from: "result message" | "tool message"; translated: boolean; endsCall: boolean }
  | { by: "model"; hint?: string; from: "result message" | "tool message" | "nothing" };

/** What is heard once the tool call's result or error is back. */
export function heardAfter(answer: VapiToolResult, toolMessages: readonly VapiToolMessage[], call: CallContext): Heard {
  const wanted = typeof answer.error === "string" ? "request-failed" : "request-complete";
  if (answer.message?.type === wanted && meets(answer.message, call)) return spokenBy(answer.message, "result message", call);
  const fromTool = toolMessages.find((m) => m.type === wanted && meets(m, call));
  if (fromTool) return spokenBy(fromTool, "tool message", call);
  return { by: "model", from: "nothing" };
}

/** The filler spoken when the call starts (one of the variants; undefined when there is none). */
export function heardAtStart(toolMessages: readonly VapiToolMessage[], call: CallContext): { text: string; variants: number } | undefined {
  const starts = toolMessages.filter((m) => m.type === "request-start" && meets(m, call));
  const first = starts[0];
  return first ? { text: textOf(first, call.language).text, variants: starts.length } : undefined;
}

/** The delayed messages heard when the answer took `latencyMs`: one per distinct timing already passed. */
export function heardWhileWaiting(toolMessages: readonly VapiToolMessage[], call: CallContext, latencyMs: number): string[] {
  const byTiming = new Map<number, VapiToolMessage>();
  for (const m of toolMessages) {
    const timing = m.timingMilliseconds ?? 1500;
    if (m.type === "request-response-delayed" && meets(m, call) && latencyMs >= timing && !byTiming.has(timing)) byTiming.set(timing, m);
  }
  return [...byTiming.entries()].sort(([a], [b]) => a - b).map(([, m]) => textOf(m, call.language).text);
}

function spokenBy(m: VapiToolMessage, from: "result message" | "tool message", call: CallContext): Heard {
  const { text, translated } = textOf(m, call.language);
  if (m.role === "system") return { by: "model", hint: text, from };
  return { by: "words", text, from, translated, endsCall: m.endCallAfterSpokenEnabled === true };
}

function textOf(m: VapiToolMessage, language: string): { text: string; translated: boolean } {
  if (m.contents && m.contents.length > 0) {
    const exact = m.contents.find((c) => c.language === language);
    return exact ? { text: exact.text, translated: false } : { text: m.contents[0]!.text, translated: true };
  }
  return { text: m.content ?? "", translated: false };
}

/** Every condition holds for the call's arguments; an argument that is absent meets none. */
export function meets(m: Pick<VapiToolMessage, "conditions">, call: Pick<CallContext, "args">): boolean {
  return (m.conditions ?? []).every((c) => {
    const arg = call.args[c.param];
    if (arg === undefined || arg === null) return false;
    const a = String(arg);
    const numeric = a.trim() !== "" && c.value.trim() !== "" && Number.isFinite(Number(a)) && Number.isFinite(Number(c.value));
    const order = numeric ? Math.sign(Number(a) - Number(c.value)) : a < c.value ? -1 : a > c.value ? 1 : 0;
    switch (c.operator) {
      case "eq":
        return order === 0;
      case "neq":
        return order !== 0;
      case "gt":
        return order > 0;
      case "gte":
        return order >= 0;
      case "lt":
        return order < 0;
      case "lte":
        return order <= 0;
      default:
        return false;
    }
  });
}

/** One line for the simulator's output. */
export function describeHeard(h: Heard): string {
  if (h.by === "words") return `"${h.text}"${h.translated ? " (translated by Vapi)" : ""}${h.endsCall ? ", then the call ends" : ""}`;
  return h.hint ? `the model's own answer, with the hint "${h.hint}"` : "the model's own answer";
}
