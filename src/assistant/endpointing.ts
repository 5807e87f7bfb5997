/**
 * Adaptive endpointing: how long to wait, turn by turn, before the caller's silence counts as the
 * end of their turn (`call.endpointing.request`). Rules are data in `assistant.config.ts`
 * (`endpointing.rules`); the first rule whose conditions hold decides, bounded by the preset's
 * floor and ceiling, and every decision names its rule (for metrics and the simulator).
 *
 * This runs inside every turn, so it is pure and synchronous: the conversation comes from the
 * message itself, nothing is read from the database or Redis (docs/adr/0018-adaptive-endpointing.md).
 */

/** One rule. All conditions given must hold; a rule with none always matches. */
export interface EndpointingRule {
  /** Named in metrics, logs and the simulator (lower-case words and dashes). */
  name: string;
  /** Tested against the caller's words so far in this turn. */
  caller?: RegExp;
  /** Tested against what the assistant last said before this turn. */
  assistant?: RegExp;
  /** The rule does not apply when the assistant's last words match this. */
  notAssistant?: RegExp;
  /** Seconds to wait when the rule decides ("floor"/"ceiling": the preset's bound), then clamped to the preset's bounds. */
  seconds: number | "floor" | "ceiling";
}

/** A preset's bounds: no decision is shorter than the floor nor longer than the ceiling (0 to 15 s, Vapi's range). */
export interface EndpointingBounds {
  floorSeconds: number;
  ceilingSeconds: number;
}

/** The rules, tried in order. */
export interface EndpointingConfig {
  rules: readonly EndpointingRule[];
}

/** The preset's own `transcriptionEndpointingPlan`, used when no rule matches (and by presets without adaptive endpointing). */
export interface TranscriptionWaits {
  onPunctuationSeconds: number;
  onNoPunctuationSeconds: number;
  onNumberSeconds: number;
}

/** What a turn looks like to the rules. */
export interface Conversation {
  /** The caller's words so far in this turn (the last user message). */
  caller: string;
  /** The assistant's last words before them ("" when it has not spoken). */
  assistant: string;
}

export interface EndpointingDecision {
  timeoutSeconds: number;
  /** The rule that decided; `plan:number`, `plan:punctuation` or `plan:words` when none matched. */
  rule: string;
}

/** Vapi's defaults for `transcriptionEndpointingPlan` (its API documentation). */
export const VAPI_ENDPOINTING_DEFAULTS: TranscriptionWaits = {
  onPunctuationSeconds: 0.1,
  onNoPunctuationSeconds: 1.5,
  onNumberSeconds: 0.5,
};

/** Vapi's range for `timeoutSeconds`. */
export const MAX_ENDPOINTING_SECONDS = 15;

/** Only the end of a long utterance matters to the rules, and a bounded input keeps every regex cheap. */
const MAX_WORDS_CHARS = 300;

/**
 * The decision for one turn. `adaptive` undefined (the preset does not use adaptive endpointing):
 * the preset's transcription plan alone, by how the caller's words end.
 */
export function decideEndpointing(
  conversation: Conversation,
  waits: TranscriptionWaits,
  adaptive: { rules: readonly EndpointingRule[]; bounds: EndpointingBounds } | undefined,
): EndpointingDecision {
  const caller = conversation.caller.slice(-MAX_WORDS_CHARS).trim();
  const assistant = conversation.assistant.slice(-MAX_WORDS_CHARS).trim();
  const clamp = (seconds: number) =>
    adaptive ? Math.min(adaptive.bounds.ceilingSeconds, Math.max(adaptive.bounds.floorSeconds, seconds)) : seconds;
  for (const rule of adaptive?.rules ?? []) {
    if (rule.caller && !test(rule.caller, caller)) continue;
    if (rule.assistant && !test(rule.assistant, assistant)) continue;
    if (rule.notAssistant && test(rule.notAssistant, assistant)) continue;
    const seconds =
      rule.seconds === "floor"
        ? adaptive!.bounds.floorSeconds
        : rule.seconds === "ceiling"
          ? adaptive!.bounds.ceilingSeconds
          : rule.seconds;
    return { timeoutSeconds: bounded(clamp(seconds)), rule: rule.name };
  }
  // A digit before a full stop is still a number being read (speech-to-text punctuates pauses).
  const [rule, seconds] = /\d[.,]?$/.test(caller)
    ? (["plan:number", waits.onNumberSeconds] as const)
    : /[.!?]$/.test(caller)
      ? (["plan:punctuation", waits.onPunctuationSeconds] as const)
      : (["plan:words", waits.onNoPunctuationSeconds] as const);
  return { timeoutSeconds: bounded(clamp(seconds)), rule };
}

/** `regex.test` without the `lastIndex` state a `g` or `y` flag would carry between calls. */
function test(regex: RegExp, text: string): boolean {
  regex.lastIndex = 0;
  return regex.test(text);
}

function bounded(seconds: number): number {
  return Number.isFinite(seconds)
    ? Math.min(MAX_ENDPOINTING_SECONDS, Math.max(0, seconds))
    : VAPI_ENDPOINTING_DEFAULTS.onNoPunctuationSeconds;
}

/**
 * The turn as the rules see it, from a `call.endpointing.request`'s `messages` (Vapi's roles
 * `user` and `bot`/`assistant`; `message` or `content`), else `messagesOpenAIFormatted`. Reads
 * from the end and stops at the assistant's last words; anything malformed reads as "".
 */
export function conversationOf(message: Record<string, unknown>): Conversation {
  for (const list of [message.messages, message.messagesOpenAIFormatted]) {
    if (!Array.isArray(list) || list.length === 0) continue;
    let caller: string | undefined;
    // A turn is short; a long history is not walked in full.
    for (let i = list.length - 1, seen = 0; i >= 0 && seen < 20; i--, seen++) {
      const m = list[i] as { role?: unknown; message?: unknown; content?: unknown } | null;
      if (typeof m !== "object" || m === null) continue;
      const words = typeof m.message === "string" ? m.message : typeof m.content === "string" ? m.content : undefined;
      if (words === undefined) continue;
      // The caller's turn may arrive as several messages in a row: they are one turn.
      if (m.role === "user") caller = caller === undefined ? words : `${words} ${caller}`;
      else if (m.role === "bot" || m.role === "assistant") return { caller: caller ?? "", assistant: words };
    }
    if (caller !== undefined) return { caller, assistant: "" };
  }
  return { caller: "", assistant: "" };
}

const RULE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** What is wrong with the rules and the presets' bounds, one sentence each (empty: nothing). */
export function endpointingProblems(
  config: EndpointingConfig | undefined,
  presets: Record<string, { adaptiveEndpointing?: EndpointingBounds }>,
): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const [i, rule] of (config?.rules ?? []).entries()) {
    const at = `endpointing.rules[${i}] (${rule.name})`;
    if (!RULE_NAME.test(rule.name)) problems.push(`${at}: name must be lower-case letters, digits and dashes, at most 40`);
    if (rule.name.startsWith("plan")) problems.push(`${at}: names starting with "plan" are kept for the preset's own plan`);
    if (names.has(rule.name)) problems.push(`${at}: another rule has the same name`);
    names.add(rule.name);
    if (typeof rule.seconds === "number" && !(rule.seconds >= 0 && rule.seconds <= MAX_ENDPOINTING_SECONDS)) {
      problems.push(`${at}: seconds must be from 0 to ${MAX_ENDPOINTING_SECONDS}`);
    }
  }
  for (const [name, preset] of Object.entries(presets)) {
    const b = preset.adaptiveEndpointing;
    if (!b) continue;
    const ok = (s: number) => s >= 0 && s <= MAX_ENDPOINTING_SECONDS;
    if (!ok(b.floorSeconds) || !ok(b.ceilingSeconds) || b.floorSeconds > b.ceilingSeconds) {
      problems.push(`presets.${name}.adaptiveEndpointing: need 0 <= floorSeconds <= ceilingSeconds <= ${MAX_ENDPOINTING_SECONDS}`);
    }
  }
  return problems;
}
