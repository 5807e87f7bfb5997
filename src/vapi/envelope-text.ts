/**
 * Reading a webhook body without building what is not read. A mid-call message from Vapi is tens
 * of kilobytes (the conversation so far, the assistant, the phone number), of which a tool call
 * reads a few hundred bytes: the type, the call, the customer and the tool-call list. For message
 * types whose handling reads nothing else, the message's members are located by a scan that skips
 * every other value without building it, and only the members read are parsed
 * (docs/adr/0019-reading-only-what-is-used.md). Any other type, and any text the scan does not
 * follow, goes to `JSON.parse` whole, which also decides what is invalid.
 */

/** The message members a light read builds: what the envelope schema and the tool-call list read. */
const LIGHT_MEMBERS = new Set(["type", "timestamp", "call", "customer", "toolCallList", "toolCalls"]);

/**
 * The parsed body, as `JSON.parse(text)` would give it, except that for a message whose type
 * `readsOnlyEnvelope` accepts only the members above are present. Throws what `JSON.parse` throws
 * for text that is not JSON. A value that is skipped is checked for structure (strings closed,
 * brackets matched), not for every rule of JSON's grammar.
 */
export function parseWebhookText(text: string, readsOnlyEnvelope: (type: string) => boolean): unknown {
  const light = lightEnvelope(text, readsOnlyEnvelope);
  return light ?? JSON.parse(text);
}

class NotLight extends Error {}

function lightEnvelope(text: string, readsOnlyEnvelope: (type: string) => boolean): { message: Record<string, unknown> } | undefined {
  try {
    const scan = new Scan(text);
    let message: Record<string, unknown> | undefined;
    scan.members(scan.skipSpace(0), (key, start) => {
      if (key !== "message") return scan.skipValue(start);
      const picked: Record<string, unknown> = {};
      const end = scan.members(start, (member, at) => {
        const after = scan.skipValue(at);
        if (!LIGHT_MEMBERS.has(member)) return after;
        const value = JSON.parse(text.slice(at, after)) as unknown;
        // The type decides whether the rest may stay unread; it comes first in Vapi's messages.
        if (member === "type" && (typeof value !== "string" || !readsOnlyEnvelope(value))) throw new NotLight();
        picked[member] = value;
        return after;
      });
      message = picked;
      return end;
    });
    if (message === undefined || typeof message.type !== "string") return undefined;
    return { message };
  } catch {
    // Not a light message, or text the scan does not follow: JSON.parse decides.
    return undefined;
  }
}

const JSON_SCALAR = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Locates JSON values in `text` without building them; throws on what it does not follow. */
class Scan {
  readonly #open: number[] = [];
  /** Where the outermost value starts: found once (finding it per object was quadratic in leading spaces). */
  readonly #start: number;
  constructor(readonly text: string) {
    this.#start = this.skipSpace(0);
  }

  skipSpace(i: number): number {
    const t = this.text;
    let c = t.charCodeAt(i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++i);
    return i;
  }

  /**
   * Visits the members of the object at `i` (after spaces): `visit(key, valueStart)` returns where
   * the value ends. Returns the index after the object; for the outermost one, only spaces may follow.
   */
  members(i: number, visit: (key: string, valueStart: number) => number): number {
    const t = this.text;
    const outermost = i === this.#start;
    i = this.skipSpace(i);
    if (t.charCodeAt(i) !== OPEN_OBJECT) throw new NotLight();
    i = this.skipSpace(i + 1);
    if (t.charCodeAt(i) === CLOSE_OBJECT) return this.end(i + 1, outermost);
    for (;;) {
      if (t.charCodeAt(i) !== QUOTE) throw new NotLight();
      const keyEnd = this.skipString(i);
      const raw = t.slice(i + 1, keyEnd - 1);
      const key = raw.includes("\\") ? (JSON.parse(t.slice(i, keyEnd)) as string) : raw;
      i = this.skipSpace(keyEnd);
      if (t.charCodeAt(i) !== COLON) throw new NotLight();
      i = this.skipSpace(visit(key, this.skipSpace(i + 1)));
      const c = t.charCodeAt(i);
      if (c === COMMA) i = this.skipSpace(i + 1);
      else if (c === CLOSE_OBJECT) return this.end(i + 1, outermost);
      else throw new NotLight();
    }
  }

  /** Only spaces may follow the outermost value. */
  private end(i: number, outermost: boolean): number {
    if (outermost && this.skipSpace(i) !== this.text.length) throw new NotLight();
    return i;
  }

  /** The index after the string opening at `i` (a quote). */
  skipString(i: number): number {
    const t = this.text;
    let from = i + 1;
    for (;;) {
      const close = t.indexOf('"', from);
      if (close < 0) throw new NotLight();
      let backslashes = 0;
      while (t.charCodeAt(close - 1 - backslashes) === BACKSLASH) backslashes++;
      if ((backslashes & 1) === 0) return close + 1;
      from = close + 1;
    }
  }

  /** The index after the value starting at `i`: strings and containers are followed, scalars run to the next delimiter. */
  skipValue(i: number): number {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c === QUOTE) return this.skipString(i);
    if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
      let j = i;
      for (;;) {
        const d = t.charCodeAt(j);
        if (
          d === COMMA ||
          d === CLOSE_OBJECT ||
          d === CLOSE_ARRAY ||
          d === 0x20 ||
          d === 0x0a ||
          d === 0x0d ||
          d === 0x09 ||
          Number.isNaN(d)
        )
          break;
        j++;
      }
      // A scalar must be one JSON allows (true, false, null, a number): `tru` or `NaN` is not read past.
      if (j === i || !JSON_SCALAR.test(t.slice(i, j))) throw new NotLight();
      return j;
    }
    // Brackets must match: the closers expected, innermost last.
    const open = this.#open;
    open.length = 0;
    let j = i;
    for (;;) {
      const d = t.charCodeAt(j);
      if (d === QUOTE) {
        j = this.skipString(j);
        continue;
      }
      if (d === OPEN_OBJECT) open.push(CLOSE_OBJECT);
      else if (d === OPEN_ARRAY) open.push(CLOSE_ARRAY);
      else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        if (open.pop() !== d) throw new NotLight();
        if (open.length === 0) return j + 1;
      } else if (Number.isNaN(d)) throw new NotLight();
      j++;
    }
  }
}
