/**
 * Every cache key and generation key the business lookups use, in one place, so a write can name
 * exactly what it changed. Versioned (`v1`) so a change of the cached shape never reads old entries.
 */
export const cacheKeys = {
  shipment: (trackingNumber: string) => `v1:shipment:${trackingNumber}`,
  shipmentsOfCaller: (phone: string) => `v1:shipments-of:${phone}`,
  openShipmentsOfCaller: (phone: string) => `v1:open-shipments-of:${phone}`,
  appointmentsOfCaller: (phone: string) => `v1:appointments-of:${phone}`,
  customerByPhone: (phone: string) => `v1:customer:${phone}`,
  balanceOfCaller: (phone: string) => `v1:balance-of:${phone}`,
  availability: (service: string, day: string) => `v1:availability:${service}:${day}`,
};

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

/** How long each kind of lookup is served fresh, then stale while refreshing. Short: invalidation does the real work. */
export const cacheTtl = {
  shipment: { ttlMs: 60_000, staleMs: 60_000 },
  shipmentsOfCaller: { ttlMs: 60_000, staleMs: 60_000 },
  appointmentsOfCaller: { ttlMs: 60_000, staleMs: 60_000 },
  customerByPhone: { ttlMs: 300_000, staleMs: 300_000 },
  balance: { ttlMs: 60_000, staleMs: 60_000 },
  availability: { ttlMs: 15_000, staleMs: 15_000 },
};
