/**
 * Work the caller does not wait for (call records, cache refreshes, closing connections).
 * Shared code hands it to `defer`; each runtime decides how it is kept alive: Workers passes
 * it to `ctx.waitUntil` (else the runtime may cancel it when the response is sent), Node lets
 * it run and waits for it at shutdown. A failure is logged, never thrown at the caller.
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

/** Node's `defer`: tracks pending work so shutdown can wait for it. */
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
