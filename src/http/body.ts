/**
 * Reading request bodies within bounds: a size limit, a time limit, and a process-wide budget of
 * the memory bodies cost while they are read, parsed and handled (see
 * docs/adr/0009-bounded-memory-on-the-webhook.md). Nothing here knows Vapi.
 */

import { type Lease, rawCost } from "../lib/byte-budget.ts";

const noop = () => {};

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
