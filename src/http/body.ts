/**
 * Reading request bodies within bounds: a size limit, a time limit, and a process-wide budget of
 * the memory bodies cost while they are read, parsed and handled (see
 * docs/adr/0009-bounded-memory-on-the-webhook.md). Nothing here knows Vapi.
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

/**
 * The body, or why it was not read: longer than allowed, slower than allowed, more than the
 * budget holds now, more than it could ever hold, or cut off by the client.
 */
export type BodyRead = Uint8Array | "too-large" | "timeout" | "over-budget" | "never-fits" | "aborted";

export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
  /** Raw bytes are taken from it as they arrive (a declared length should be taken before calling). */
  lease?: Lease;
}

/**
 * Reads the raw body, refusing more than `maxBytes` or a body that takes longer than `timeoutMs`.
 * A declared Content-Length is checked before reading; a chunked body is read incrementally and
 * abandoned past the limit or the lease. (Hono's bodyLimit middleware does the same but re-wraps
 * every request, which cost 5x the throughput on Node.)
 */
export async function readBodyWithin(req: Request, limits: ReadLimits): Promise<BodyRead> {
  try {
    return await read(req, limits);
  } catch {
    return "aborted";
  }
}

async function read(req: Request, limits: ReadLimits): Promise<BodyRead> {
  const declared = declaredLength(req);
  if (declared !== undefined) {
    if (declared > limits.maxBytes) return "too-large";
    const read = req.arrayBuffer();
    const outcome = await within(read, limits.timeoutMs);
    if (outcome === "timeout") {
      // The runtime ends the abandoned read with the connection; its chunks count until then.
      limits.lease?.holdUntil(read, limits.timeoutMs * 2);
      return "timeout";
    }
    const bytes = new Uint8Array(outcome);
    return bytes.length > limits.maxBytes ? "too-large" : bytes;
  }
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const deadline = Date.now() + limits.timeoutMs;
  for (;;) {
    const next = await within(reader.read(), deadline - Date.now());
    if (next === "timeout") {
      void reader.cancel().catch(noop);
      return "timeout";
    }
    if (next.done) break;
    size += next.value.length;
    const lease = limits.lease;
    if (size > limits.maxBytes || (lease && !lease.growTo(rawCost(size)))) {
      void reader.cancel().catch(noop);
      if (size > limits.maxBytes) return "too-large";
      return lease && rawCost(size) > lease.ceiling ? "never-fits" : "over-budget";
    }
    chunks.push(next.value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The Content-Length a request declares, when it is one (a chunked body has none). */
export function declaredLength(req: Request): number | undefined {
  const declared = req.headers.get("content-length");
  if (declared === null || req.headers.has("transfer-encoding")) return undefined;
  const n = Number(declared);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function within<T>(work: Promise<T>, ms: number): Promise<T | "timeout"> {
  if (ms <= 0) {
    work.catch(noop);
    return "timeout";
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)));
  try {
    const outcome = await Promise.race([work, timeout]);
    if (outcome === "timeout") work.catch(noop);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
