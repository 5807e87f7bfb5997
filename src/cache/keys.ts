/**
 * The generation keys writes bump to invalidate what they changed (the cached entries themselves
 * are declared in ./namespaces.ts, each with the generation it depends on).
 */
export const genKeys = {
  /** One shipment's status. */
  shipment: (trackingNumber: string) => `gen:shipment:${trackingNumber}`,
  /**
   * Everything cached about one caller: customer record, their shipments lists, their balance,
   * their upcoming appointments (and so the personalization profile built from them).
   */
  phone: (phone: string) => `gen:phone:${phone}`,
  /** Every availability list: any booking, cancellation or new slot changes them. */
  availability: () => "gen:availability",
  /** Everything cached about the knowledge base (search results, whether it has documents): any document change. */
  knowledgeBase: () => "gen:knowledge-base",
  /** Whether one number is on the blocklist: a change to that number's entry. */
  blockedNumber: (number: string) => `gen:blocked:${number}`,
  /**
   * Part of every entry's generation: bumping it turns everything cached into a miss. Bumped when
   * a process's connection to Redis comes back after it was lost (Redis may have come back with
   * older data: a failover to a replica that missed bumps), and in place of too many pending bumps.
   */
  epoch: () => "gen:epoch",
};

/**
 * Generation keys outlive every entry (entries live at most ttl + stale, minutes), so an expired
 * generation can never make an entry from before an invalidation look current again.
 */
export const GENERATION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * What the Node server mirrors locally (src/cache/mirrored-cache.ts): the read-through entries
 * and their generations. Per-call state, rate limits and locks always go to Redis.
 */
export const MIRRORED_PREFIXES = ["v1:", "gen:"] as const;

/**
 * Every other key, in one place. None is mirrored on Node (./mirrored-cache.ts mirrors only the
 * `MIRRORED_PREFIXES`): they are per-call state, counters and locks, which must be read from Redis
 * every time, and two per-caller entries with invalidation of their own.
 */
export const keys = {
  /** State shared by the tool calls of one call (ctx.callState). */
  callState: (callId: string, name: string) => `call:${callId}:${name}`,
  /** What the business remembers about a caller (Postgres, read through here; dropped on change). */
  callerMemory: (phone: string) => `caller-memory:v1:${phone}`,
  /** The caller's personalization profile; v2: the entry carries the generations of its sources. */
  callerProfile: (phone: string) => `caller-profile:v2:${phone}`,
  /** Side-effecting tool calls a caller started in one minute, and the deliveries already counted. */
  sideEffectCount: (who: string, minute: number) => `ratelimit:${who}:${minute}`,
  sideEffectSeen: (callId: string, toolCallId: string) => `ratelimit:seen:${callId}:${toolCallId}`,
  /** Calls from one number in a screening window, and the calls already counted. */
  callsFromNumber: (number: string, window: number) => `screen:calls:${number}:${window}`,
  callCounted: (callId: string) => `screen:counted:${callId}`,
  /** A lock so transcript retention runs at most once an hour across all instances. */
  retentionLock: () => "retention:transcripts",
  /** A lock so due outbox messages are sent in at most one pass every 10 seconds across all instances. */
  outboxRedeliveryLock: () => "outbox:redelivery",
};
