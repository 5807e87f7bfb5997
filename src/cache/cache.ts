/**
 * The cache seen by the app and the tools: Redis in production, an in-process map when no
 * REDIS_URL is configured. Values are strings; callers serialize. Every method may reject
 * when the backend is down: callers treat the cache as an accelerator, never as the record.
 */
export interface Cache {
  readonly kind: "redis" | "memory";
  get(key: string, options?: ReadOptions): Promise<string | null>;
  /** Reads several keys in one round trip; missing keys come back as null, in order. */
  getMany(keys: readonly string[], options?: ReadOptions): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only if the key does not exist. Resolves true when this caller set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  /** Increments an integer counter, (re)setting its TTL; returns the new value. */
  incr(key: string, ttlMs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How a read may be answered. Without options, every read goes to the shared cache. */
export interface ReadOptions {
  /**
   * The read may be answered from this instance's own memory when the value was read or written
   * here at most this long ago (Workers only; elsewhere the shared cache answers anyway). Another
   * instance's write is then seen up to this late: pass it only for data where that staleness is
   * harmless (business hours, a catalogue), never for what a write must invalidate at once
   * (open slots, balances). See docs/adr/0007-edge-first-level-cache.md.
   */
  localTtlMs?: number;
}
