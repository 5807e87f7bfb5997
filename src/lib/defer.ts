/**
 * Work the caller does not wait for (call records, cache refreshes, closing connections).
 * Shared code hands it to `defer`; each runtime decides how it is kept alive: Workers tracks a
 * request's work and hands it to `ctx.waitUntil` (else the runtime cancels it when the response
 * is sent) before closing the request's clients, Node lets it run and waits for it at shutdown.
 * A failure is logged, never thrown at the caller.
 */
import type { Logger } from "./logger.ts";

/** Runs `work` after (or while) the response goes out. `what` names it in the log if it fails. */
export type Defer = (work: Promise<unknown>, what?: string) => void;

/** Catches and logs a deferred failure, so background work never becomes an unhandled rejection. */
export function logFailure(logger: Logger, work: Promise<unknown>, what = "deferred work"): Promise<void> {
  return work.then(
    () => {},
    (err: unknown) => logger.error(`${what} failed`, { err }),
  );
}

/**
 * A `defer` that tracks pending work. `settled()` resolves once nothing is pending, including work
 * deferred while it waited (Node: before shutdown; Workers: before a request's clients close).
 */
export function createBackgroundTasks(logger: Logger): { defer: Defer; settled(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    defer(work, what) {
      const tracked = logFailure(logger, work, what).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
    async settled() {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

/** How long Workers keep `waitUntil` work alive after the response; Node holds overrun work to the same. */
export const DEFERRED_WORK_LIMIT_MS = 30_000;

/**
 * `work`, or a rejection naming the limit once `ms` have passed: for work past its budget that
 * must not hold a request's end (or Node's shutdown) forever. The work itself is not cancelled.
 */
export function boundedBy(work: Promise<unknown>, ms: number = DEFERRED_WORK_LIMIT_MS): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms; no longer waited for`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
