/**
 * Every read-through lookup's cache namespace in one place: its key, the generation that
 * invalidates it, how long it is fresh and then stale, and the area it is counted under. A service
 * reads through with one line (`namespaces.shipment.read(ctx, trackingNumber, load)`) and a write
 * names what it changed by generation (`genKeys.phone(number)`, see ./keys.ts).
 */
import type { Logger } from "../lib/logger.ts";
import type { Metrics } from "../telemetry/metrics.ts";
import type { Cache } from "./cache.ts";
import { genKeys } from "./keys.ts";
import { readThrough } from "./read-through.ts";

/** What a read needs from its caller: a service context (or a tool's `ctx`) has it all. */
export interface ReadThroughContext {
  cache: Cache;
  logger?: Logger;
  metrics?: Metrics | undefined;
  defer?: ((work: Promise<unknown>, what?: string) => void) | undefined;
}

/** One kind of cached lookup, keyed by `A` (a tracking number, a phone number, ...). */
export interface Namespace<A> {
  readonly area: string;
  key(arg: A): string;
  generation(arg: A): string;
  readonly ttlMs: number;
  readonly staleMs: number;
  /** The cached value when current, else `load()`'s, cached (stale while one reader refreshes). */
  read<T>(ctx: ReadThroughContext, arg: A, load: () => Promise<T>): Promise<T>;
}

function namespace<A>(spec: {
  area: string;
  key(arg: A): string;
  generation(arg: A): string;
  ttlMs: number;
  staleMs: number;
}): Namespace<A> {
  return {
    ...spec,
    read: (ctx, arg, load) =>
      readThrough(ctx.cache, {
        key: spec.key(arg),
        genKey: spec.generation(arg),
        ttlMs: spec.ttlMs,
        staleMs: spec.staleMs,
        area: spec.area,
        load,
        ...(ctx.logger ? { logger: ctx.logger } : {}),
        ...(ctx.metrics ? { metrics: ctx.metrics } : {}),
        ...(ctx.defer ? { defer: ctx.defer } : {}),
      }),
  };
}

const MINUTE = 60_000;

/**
 * Short windows: invalidation after each committed write does the real work; the TTL only bounds
 * what a lost invalidation can cost. Keys are versioned (`v1`) so a change of a cached shape never
 * reads old entries.
 */
export const namespaces = {
  shipment: namespace<string>({
    area: "shipment",
    key: (trackingNumber) => `v1:shipment:${trackingNumber}`,
    generation: genKeys.shipment,
    ttlMs: MINUTE,
    staleMs: MINUTE,
  }),
  shipmentsOfCaller: namespace<string>({
    area: "shipments-of-caller",
    key: (phone) => `v1:shipments-of:${phone}`,
    generation: genKeys.phone,
    ttlMs: MINUTE,
    staleMs: MINUTE,
  }),
  openShipmentsOfCaller: namespace<string>({
    area: "open-shipments-of-caller",
    key: (phone) => `v1:open-shipments-of:${phone}`,
    generation: genKeys.phone,
    ttlMs: MINUTE,
    staleMs: MINUTE,
  }),
  appointmentsOfCaller: namespace<string>({
    area: "next-appointment",
    key: (phone) => `v1:appointments-of:${phone}`,
    generation: genKeys.phone,
    ttlMs: MINUTE,
    staleMs: MINUTE,
  }),
  customerByPhone: namespace<string>({
    area: "customer",
    key: (phone) => `v1:customer:${phone}`,
    generation: genKeys.phone,
    ttlMs: 5 * MINUTE,
    staleMs: 5 * MINUTE,
  }),
  balanceOfCaller: namespace<string>({
    area: "balance",
    key: (phone) => `v1:balance-of:${phone}`,
    generation: genKeys.phone,
    ttlMs: MINUTE,
    staleMs: MINUTE,
  }),
  /** Open slots for a query (service, day, part of day, from): any booking, cancellation or new slot changes them. */
  availability: namespace<string>({
    area: "availability",
    key: (query) => `v1:availability:${query}`,
    generation: () => genKeys.availability(),
    ttlMs: 15_000,
    staleMs: 15_000,
  }),
  /**
   * Whether one number is on the blocklist (and until when): a change to that number invalidates
   * it, so a block holds from the next call; the TTL only bounds a lost invalidation.
   */
  blockedNumber: namespace<string>({
    area: "blocklist",
    key: (number) => `v1:blocked:${number}`,
    generation: (number) => genKeys.blockedNumber(number),
    ttlMs: 10 * MINUTE,
    staleMs: MINUTE,
  }),
  /** Knowledge-base passages for a question (normalized); any document change invalidates every entry. */
  knowledgeSearch: namespace<string>({
    area: "knowledge-base",
    key: (query) => `v1:kb-search:${query}`,
    generation: () => genKeys.knowledgeBase(),
    ttlMs: 10 * MINUTE,
    staleMs: MINUTE,
  }),
  /** Whether the knowledge base has documents, and their languages: the served assistant enables it only then. */
  knowledgeBaseState: namespace<string>({
    area: "knowledge-base-state",
    key: () => "v1:kb-state",
    generation: () => genKeys.knowledgeBase(),
    ttlMs: 10 * MINUTE,
    staleMs: MINUTE,
  }),
  /** Per language, the words too common in the passages to search by (src/services/knowledge-base/search.ts). */
  knowledgeCommonWords: namespace<string>({
    area: "knowledge-base-words",
    key: (language) => `v1:kb-common:${language}`,
    generation: () => genKeys.knowledgeBase(),
    ttlMs: 10 * MINUTE,
    staleMs: MINUTE,
  }),
};
