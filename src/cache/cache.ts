/**
 * The cache seen by the app and the tools: Redis in production, an in-process map when no
 * REDIS_URL is configured. Values are strings; callers serialize. Every method may reject
 * when the backend is down: callers treat the cache as an accelerator, never as the record.
 */
export interface Cache {
  readonly kind: "redis" | "memory";
  get(key: string): Promise<string | null>;
  /** Reads several keys in one round trip; missing keys come back as null, in order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only if the key does not exist. Resolves true when this caller set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(...keys: string[]): Promise<void>;
  /** Increments an integer counter, (re)setting its TTL; returns the new value. */
  incr(key: string, ttlMs: number): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
