/**
 * The entry member of each squad call, written off assistant-request's path in batches, with a
 * bound on how many rows wait. One writer per `defer` (deliberately cached below): on Node that is
 * one per process, so a burst of calls waits as rows in a list and is written a batch at a time
 * over one connection, instead of thousands of pending inserts each holding a query; on Workers
 * it is one per request (its own row, written through `waitUntil`).
 *
 * Past the bound the answer waits for a batch to be written (at most `ROOM_WAIT_MS`), which slows
 * the calls down to what the database takes; when even then there is no room (the database is
 * down or far behind), the row is not recorded and a warning says how many were lost.
 */
import type { Database } from "../db/client.ts";
import type { Defer } from "../lib/defer.ts";
import type { Logger } from "../lib/logger.ts";
import { type CallMemberRecord, recordCallMembers } from "./call-members.ts";

/** Most rows waiting to be written at once (a few hundred bytes each). */
export const MAX_WAITING_ENTRY_ROWS = 2_000;
/** Most rows per insert. */
export const ENTRY_ROWS_PER_BATCH = 250;
/** How long an answer waits for room when the list is full. */
export const ROOM_WAIT_MS = 1_000;

type Row = { record: CallMemberRecord; callerNumber?: string | undefined };

export interface EntryMemberWriter {
  /** Queues the row; "dropped" when there was no room even after waiting. */
  add(record: CallMemberRecord, callerNumber?: string): Promise<"queued" | "dropped">;
  /** Rows waiting now (for tests and the log). */
  waiting(): number;
}

/** Writers by the `defer` whose background work keeps them alive: one per Node process, one per Worker request. */
const writers = new WeakMap<Defer, EntryMemberWriter>();

/** The writer for this runtime's background work, created on first use. */
export function entryMemberWriter(deps: { db: Database; defer: Defer; logger: Logger }): EntryMemberWriter {
  let writer = writers.get(deps.defer);
  if (!writer) {
    writer = createEntryMemberWriter(deps);
    writers.set(deps.defer, writer);
  }
  return writer;
}

export function createEntryMemberWriter(
  deps: { db: Database; defer: Defer; logger: Logger },
  limits = { maxWaiting: MAX_WAITING_ENTRY_ROWS, perBatch: ENTRY_ROWS_PER_BATCH, roomWaitMs: ROOM_WAIT_MS },
): EntryMemberWriter {
  let rows: Row[] = [];
  let writing = false;
  // Resolved after each batch, so answers waiting for room wake up.
  let batchWritten = signal();

  async function drain(): Promise<void> {
    try {
      while (rows.length > 0) {
        const batch = rows.slice(0, limits.perBatch);
        rows = rows.slice(batch.length);
        try {
          await recordCallMembers(deps.db, batch);
        } catch (err) {
          deps.logger.warn("squad entry members not recorded", { err, rows: batch.length });
        } finally {
          batchWritten.resolve();
          batchWritten = signal();
        }
      }
    } finally {
      writing = false;
    }
  }

  function start() {
    if (writing) return;
    writing = true;
    deps.defer(drain(), "squad entry member records");
  }

  return {
    async add(record, callerNumber) {
      if (rows.length >= limits.maxWaiting) {
        // Each written batch frees room for some of the answers waiting; the others wait for the next.
        let timer: ReturnType<typeof setTimeout> | undefined;
        let late = false;
        const deadline = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            late = true;
            resolve();
          }, limits.roomWaitMs);
        });
        while (rows.length >= limits.maxWaiting && !late) await Promise.race([batchWritten.promise, deadline]);
        clearTimeout(timer);
        if (rows.length >= limits.maxWaiting) {
          deps.logger.warn("squad entry member not recorded: too many waiting for the database", {
            callId: record.callId,
            waiting: rows.length,
          });
          return "dropped";
        }
      }
      rows.push({ record, callerNumber });
      start();
      return "queued";
    },
    waiting: () => rows.length,
  };
}

function signal(): { promise: Promise<void>; resolve(): void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
