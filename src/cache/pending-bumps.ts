/**
 * Generation bumps that failed and must still land. A bump is what turns every entry loaded
 * before a write into a miss (ADR 4); one that Redis never took leaves those entries current on
 * every instance until their TTL. So a failed bump is kept here and replayed: with the next
 * invalidation through this cache, when a read finds it pending, and, where a timer may run
 * (Node), every `retryEveryMs` until it lands. Meanwhile reads through this cache skip a pending
 * generation and go to the database (`readThrough`). See docs/adr/0012-invalidations-that-land.md.
 */
import type { Cache, PendingBumps } from "./cache.ts";
import { GENERATION_TTL_MS, genKeys } from "./keys.ts";

export interface PendingBumpsOptions {
  /** Replay on a timer this often while anything is pending (Node). Without it, replays ride on cache use only. */
  retryEveryMs?: number;
  /** Past this many distinct keys, one bump of the epoch replaces them all (it invalidates everything). */
  maxKeys?: number;
}

export type PendingBumpStore = PendingBumps & {
  /** The cache the timer replays through: the outermost one (a mirror must see its own writes). */
  via: Cache | undefined;
  stop(): void;
};

export function createPendingBumps(options: PendingBumpsOptions = {}): PendingBumpStore {
  const maxKeys = options.maxKeys ?? 10_000;
  // Key -> version of its latest failure: a replay that started before a newer failure of the
  // same key must not forget it (the newer write may have committed after the replay's INCR ran).
  const pending = new Map<string, number>();
  let version = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let replay: Promise<void> | undefined;

  const record = (key: string) => {
    pending.set(key, ++version);
    if (pending.size > maxKeys) {
      pending.clear();
      pending.set(genKeys.epoch(), ++version);
    }
  };
  const schedule = () => {
    if (stopped || timer || !options.retryEveryMs || pending.size === 0 || !store.via) return;
    timer = setTimeout(() => {
      timer = undefined;
      void store.flush();
    }, options.retryEveryMs);
    (timer as { unref?: () => void }).unref?.();
  };

  const store: PendingBumpStore = {
    via: undefined,
    get size() {
      return pending.size;
    },
    has: (key) => pending.has(key),
    add(keys) {
      for (const key of keys) record(key);
      schedule();
    },
    async bump(cache, keys) {
      const seen = new Map(pending);
      const all = [...new Set([...keys, ...seen.keys()])];
      const outcomes = await Promise.allSettled(all.map((k) => cache.incr(k, GENERATION_TTL_MS, { mustLand: true })));
      const failed: { genKey: string; err: unknown }[] = [];
      outcomes.forEach((outcome, i) => {
        const key = all[i]!;
        if (outcome.status === "rejected") {
          record(key);
          failed.push({ genKey: key, err: outcome.reason });
        } else if (pending.get(key) === seen.get(key)) {
          pending.delete(key);
        }
      });
      schedule();
      return failed;
    },
    flush(cache = store.via) {
      if (!cache || pending.size === 0) return Promise.resolve();
      replay ??= store
        .bump(cache, [])
        .then(() => {})
        .finally(() => {
          replay = undefined;
        });
      return replay;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
  return store;
}

/** Stores for caches that bring none (per object: a request's cache keeps its own). */
const ownStores = new WeakMap<Cache, PendingBumps>();

/** The pending bumps of `cache`: its process's or isolate's store, or one of its own. */
export function pendingBumpsOf(cache: Cache): PendingBumps {
  if (cache.pendingBumps) return cache.pendingBumps;
  let store = ownStores.get(cache);
  if (!store) {
    store = createPendingBumps();
    ownStores.set(cache, store);
  }
  return store;
}
