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
  incr(key: string, ttlMs: number, options?: WriteOptions): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /**
   * Generation bumps that failed through this cache and must still land (`invalidate` in
   * read-through.ts records and replays them). Kept as long as the process (Node) or the isolate
   * (Workers) rather than the request; where absent, they are kept per cache object.
   */
  readonly pendingBumps?: PendingBumps;
}

/** How a write is made. */
export interface WriteOptions {
  /**
   * The write must not be lost to a slow or cold connection (a generation bump: a lost one leaves
   * stale entries current). It may wait up to the cache's invalidation timeout instead of the
   * command timeout, and a per-request client whose connection failed opens a new one for it.
   */
  mustLand?: boolean;
}

/** Generation keys whose bump failed, replayed until they land; see src/cache/pending-bumps.ts. */
export interface PendingBumps {
  readonly size: number;
  has(genKey: string): boolean;
  /** Records bumps to replay (a reconnect records the epoch). */
  add(genKeys: Iterable<string>): void;
  /**
   * Bumps `genKeys` and every pending bump through `cache`; records what failed and forgets what
   * landed. Resolves with the failures.
   */
  bump(cache: Cache, genKeys: readonly string[]): Promise<{ genKey: string; err: unknown }[]>;
  /** Replays the pending bumps through `cache` (default: the cache the store belongs to), one replay at a time. */
  flush(cache?: Cache): Promise<void>;
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
