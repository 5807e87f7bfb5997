/**
 * Storing a call record and what follows a first commit (the caller's cached profile dropped,
 * the transcript retention run). Used by the webhook and by the spool's replay alike.
 */

import type { Cache } from "../../cache/cache.ts";
import { keys } from "../../cache/keys.ts";
import type { Database } from "../../db/client.ts";
import type { Clock } from "../../lib/clock.ts";
import type { Defer } from "../../lib/defer.ts";
import type { Logger } from "../../lib/logger.ts";
import type { Metrics } from "../../telemetry/metrics.ts";
import { forgetCachedCaller } from "../caller-memory.ts";
import { type CallRecord, essentials } from "./call-record.ts";
import { purgeOldTranscripts, type RecordedReport, writeCallRecord } from "./records.ts";

export interface CallRecordContext {
  db: Database;
  cache: Cache;
  logger: Logger;
  clock: Clock;
  defer: Defer;
  /** Observes each report's turn latencies once, on its first delivery. */
  metrics?: Metrics;
  /** TRANSCRIPT_RETENTION_DAYS (0 keeps transcripts). */
  retentionDays: number;
}

/**
 * Writes a record. If the database refuses one of its values (a data error, which retrying
 * cannot fix), the record is written again without its free text and structured data, so the
 * call's outcome is kept; anything else (the database down or slow) is thrown to the caller.
 */
export async function storeCallRecord(ctx: CallRecordContext, record: CallRecord): Promise<RecordedReport> {
  let stored: RecordedReport;
  try {
    stored = await writeCallRecord(ctx.db, record);
  } catch (err) {
    if (!isRefusedValue(err)) throw err;
    ctx.logger.error("call record refused by the database; storing it without its free text", {
      callId: record.callId,
      code: sqlState(err),
    });
    stored = await writeCallRecord(ctx.db, essentials(record));
  }
  if (record.kind === "report") {
    ctx.logger.info("call recorded", { callId: record.callId, firstDelivery: stored.firstDelivery });
    if (stored.firstDelivery) {
      const latency = record.latency;
      if (latency) {
        const interruptions = { user: latency.userInterrupted, assistant: latency.assistantInterrupted };
        ctx.metrics?.turnLatencies?.(latency.preset ?? "unknown", latency.turns, interruptions);
      }
      if (record.callerNumber) await forgetCachedCaller(ctx.cache, record.callerNumber, ctx.logger);
      ctx.defer(purgeTranscriptsNowAndThen(ctx), "transcript retention run");
    }
  }
  return stored;
}

/** The SQLSTATE of a Postgres error (drizzle wraps it as `cause`), if it is one. */
export function sqlState(err: unknown): string | undefined {
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when Postgres refused a value of the statement (data exceptions, integrity violations,
 * limits such as an index entry too large): the same write would fail again.
 */
export function isRefusedValue(err: unknown): boolean {
  const code = sqlState(err);
  return code !== undefined && ["22", "23", "54"].includes(code.slice(0, 2));
}

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Applies TRANSCRIPT_RETENTION_DAYS at most once an hour across all instances (a cache lock),
 * piggybacking on end-of-call reports so no scheduler is required. Off the response path and
 * best effort: a missed run is caught up by the next one (or by `npm run calls:purge`).
 */
async function purgeTranscriptsNowAndThen(ctx: CallRecordContext): Promise<void> {
  try {
    if (ctx.retentionDays <= 0) return;
    if (!(await ctx.cache.setIfAbsent(keys.retentionLock(), "1", RETENTION_INTERVAL_MS))) return;
    const purged = await purgeOldTranscripts(ctx.db, ctx.clock.now(), ctx.retentionDays);
    if (purged > 0) ctx.logger.info("old transcripts deleted", { purged, retentionDays: ctx.retentionDays });
  } catch (err) {
    ctx.logger.warn("transcript retention run failed", { err });
  }
}

/**
 * Where a call record waits when the database cannot take it within the wait: on Node, an
 * append-only file under DATA_DIR (spool.ts), written to the database once it can. Workers have
 * none: a record not committed within the wait is not acknowledged, and Vapi delivers it again.
 */
export interface CallRecordSpool {
  /** Resolves "kept" once the record is on disk (fsync'd); "full" when it cannot be (size cap, disk full, I/O error). */
  keep(record: CallRecord): Promise<"kept" | "full">;
  /** Records kept and not yet stored in the database (nor set aside). */
  readonly pending: number;
  /** Writes what is kept to the database now (it also runs by itself, with backoff); resolves when this pass ends. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * True when an error says the database is unreachable, busy or restarting (a retry later can
 * succeed), as opposed to a statement that will fail again. Network errors carry a system code
 * (ECONNREFUSED, CONNECT_TIMEOUT, ...); Postgres's own transient classes are 08, 40, 53, 55, 57.
 */
export function isTransient(err: unknown): boolean {
  const state = sqlState(err);
  if (state !== undefined) return ["08", "40", "53", "55", "57"].includes(state.slice(0, 2));
  for (let e = err, i = 0; e && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    if (typeof (e as { code?: unknown }).code === "string") return true;
  }
  return false;
}
