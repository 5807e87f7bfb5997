/**
 * A budget of the memory request bodies cost while they are read, parsed and handled, shared by a
 * process (Node) or an isolate (Workers), and what a body is estimated to cost (see
 * docs/adr/0009-bounded-memory-on-the-webhook.md). Nothing here knows HTTP or Vapi.
 */
/** A count of bytes that holders take and give back; nothing is taken past its limit. */
export class ByteBudget {
  #used = 0;
  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` if `used + bytes` stays within `ceiling` (the limit by default); false takes nothing. */
  take(bytes: number, ceiling = this.limit): boolean {
    if (this.#used + bytes > ceiling) return false;
    this.#used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
}

/** What one request holds of a budget; released once, whatever happened. */
export class Lease {
  #held = 0;
  #until: Promise<unknown> | undefined;
  #released = false;
  constructor(
    readonly budget: ByteBudget,
    /** The most this lease may bring the budget's use to (large bodies leave room for small ones). */
    readonly ceiling = budget.limit,
  ) {}

  get held(): number {
    return this.#held;
  }

  /** Holds `total` bytes in all (more is taken, never given back early); false when the budget cannot. */
  growTo(total: number): boolean {
    const more = total - this.#held;
    if (more <= 0) return true;
    if (!this.budget.take(more, this.ceiling)) return false;
    this.#held += more;
    return true;
  }

  /** Keeps the bytes held past `release()` until `work` settles (at most `maxMs`): an abandoned read still holds its chunks. */
  holdUntil(work: Promise<unknown>, maxMs: number): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, maxMs);
      (timer as { unref?: () => void }).unref?.();
    });
    this.#until = Promise.race([work.then(noop, noop), cap]).finally(() => clearTimeout(timer));
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    const give = () => {
      this.budget.give(this.#held);
      this.#held = 0;
    };
    if (this.#until) void this.#until.then(give);
    else give();
  }
}

const noop = () => {};

/** The webhook's two budgets. */
export interface BodyBudgets {
  /** Authenticated bodies: raw bytes, decoded text, the parsed value and what handling copies. */
  verified: ByteBudget;
  /**
   * Raw bytes of bodies whose credentials can only be checked once they are read (HMAC): a small
   * share of their own, so unauthenticated uploads can never take what authenticated ones need.
   */
  unverified: ByteBudget;
}

/** BODY_MEMORY_BUDGET_BYTES, or (0) a share of the heap limit: what is left holds the app itself and the garbage collector's slack. */
export function bodyBudgetBytes(configured: number, heapLimitBytes: number): number {
  return configured > 0 ? configured : Math.floor(heapLimitBytes * 0.35);
}

/**
 * The verified budget of `limitBytes`, and an unverified one of an eighth of it, but never less
 * than one body of `maxBodyBytes` needs while it is read (else a signed body that large could
 * never be verified).
 */
export function createBodyBudgets(limitBytes: number, maxBodyBytes: number): BodyBudgets {
  const unverified = Math.max(Math.floor(limitBytes / 8), Math.ceil(rawCost(maxBodyBytes) / LARGE_BODY_SHARE));
  return { verified: new ByteBudget(limitBytes), unverified: new ByteBudget(unverified) };
}

/** Bodies up to this size are costed at their worst case without looking at them (tool calls are a few KB). */
export const SMALL_BODY_BYTES = 64 * 1024;

/** Large bodies may take the budget only to this share of its limit: the rest stays for small ones. */
export const LARGE_BODY_SHARE = 7 / 8;

// Heap a JSON body costs, measured on Node 20 (docs/adr/0009-bounded-memory-on-the-webhook.md): per
// byte, the raw bytes, the decoded text, the parsed strings and what handling copies (redaction,
// the stored record); per object or array and per separator, what V8 spends on a value. The
// worst case, a body of empty objects (`[{},{},...]`), costs about 22 times its size.
const PER_BYTE = 4;
const PER_CONTAINER = 64;
const PER_SEPARATOR = 16;
const WORST_CASE_FACTOR = 24;

/** The raw bytes of a body still being read: as received and as one buffer. */
export const rawCost = (bytes: number) => bytes * 2;

/**
 * An upper estimate of the heap a JSON body costs once decoded, parsed and handled. Small bodies
 * are costed at the worst case; large ones by one pass counting `{`, `[`, `,` and `:` (inside
 * strings too, which only overestimates): a few milliseconds for megabytes.
 */
export function parsedCost(body: Uint8Array): number {
  if (body.length <= SMALL_BODY_BYTES) return body.length * WORST_CASE_FACTOR;
  let containers = 0;
  let separators = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === 0x7b || b === 0x5b) containers++;
    else if (b === 0x2c || b === 0x3a) separators++;
  }
  return body.length * PER_BYTE + containers * PER_CONTAINER + separators * PER_SEPARATOR;
}
