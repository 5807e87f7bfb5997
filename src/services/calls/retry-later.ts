/**
 * Retries a write that failed while its message was already answered (call records: Vapi must
 * get HTTP 200 whatever happens). Bounded in count and memory; every give-up is logged as an
 * error so an operator can see what was not stored. In-process: a crash or a Workers isolate
 * ending loses the pending retries, which the ADR on call records accepts.
 */
import type { Logger } from "../../lib/logger.ts";

export interface RetryQueue {
  /** Schedules `write` again later; false when the queue is full (the caller logs the loss). */
  add(what: string, fields: Record<string, unknown>, write: () => Promise<void>): boolean;
  readonly pending: number;
}

export function createRetryQueue(logger: Logger, options: { delaysMs?: readonly number[]; maxPending?: number } = {}): RetryQueue {
  const delays = options.delaysMs ?? [1_000, 5_000, 30_000, 120_000];
  const maxPending = options.maxPending ?? 1_000;
  let pending = 0;
  const attempt = (what: string, fields: Record<string, unknown>, write: () => Promise<void>, n: number) => {
    const timer = setTimeout(async () => {
      try {
        await write();
        pending--;
        logger.info(`${what} stored on retry`, { ...fields, attempt: n + 1 });
      } catch (err) {
        if (n + 1 < delays.length) attempt(what, fields, write, n + 1);
        else {
          pending--;
          logger.error(`${what} lost after retries`, { ...fields, attempts: delays.length, err });
        }
      }
    }, delays[n]);
    // Never keep a process alive (or a test runner waiting) just for a retry.
    (timer as { unref?: () => void }).unref?.();
  };
  return {
    add(what, fields, write) {
      if (pending >= maxPending) return false;
      pending++;
      attempt(what, fields, write, 0);
      return true;
    },
    get pending() {
      return pending;
    },
  };
}
