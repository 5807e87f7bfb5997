/**
 * `status-update` and `end-of-call-report`: the call record is written before answering; a failed
 * write is retried in the background and Vapi still gets its 200 (see the ADR on call records).
 */
import type { AppDeps } from "../deps.ts";
import { forgetCachedCaller } from "../services/caller-memory.ts";
import { purgeOldTranscripts, readEndOfCallReport, recordEndOfCallReport, recordStatusUpdate } from "../services/calls/records.ts";
import type { RetryQueue } from "../services/calls/retry-later.ts";
import { callFacts, type VapiMessage } from "../vapi/envelope.ts";

/** Stores a status update or end-of-call report; a failed write is queued for retries. */
export async function recordLifecycle(deps: AppDeps, message: VapiMessage, retries: RetryQueue): Promise<void> {
  const facts = callFacts(message);
  if (!facts.callId) {
    deps.logger.warn("lifecycle message without a call id was not stored", { type: message.type });
    return;
  }
  const identity = {
    callId: facts.callId,
    callerNumber: facts.callerNumber,
    phoneNumberId: facts.phoneNumberId,
    atMs: facts.timestampMs ?? deps.clock.now().getTime(),
  };
  const write = async () => {
    if (message.type === "status-update") {
      const status = typeof message.status === "string" ? message.status : "";
      const endedReason = typeof message.endedReason === "string" ? message.endedReason : undefined;
      await recordStatusUpdate(deps.db, { ...identity, status, endedReason });
      return;
    }
    const { firstDelivery } = await recordEndOfCallReport(deps.db, identity, readEndOfCallReport(message));
    deps.logger.info("call recorded", { callId: facts.callId, firstDelivery });
    if (firstDelivery && facts.callerNumber) await forgetCachedCaller(deps.cache, facts.callerNumber, deps.logger);
    // Not awaited: retention is housekeeping, not part of storing this report.
    if (firstDelivery) void purgeTranscriptsNowAndThen(deps);
  };
  const fields = { type: message.type, callId: facts.callId };
  const attempt = write().catch((err: unknown) => {
    deps.logger.error("call record not stored; retrying in the background", { ...fields, err });
    if (!retries.add("call record", fields, write)) deps.logger.error("call record lost: retry queue full", fields);
  });
  // A hung database must not hold Vapi's request open: past the wait the answer goes out and the
  // write goes on (and, if it fails, into the retries) in the background.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    attempt.then(() => "done" as const),
    new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), LIFECYCLE_WRITE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  if (waited === "pending") {
    deps.logger.warn("call record write is slow; answering before it finishes", fields);
    deps.defer(attempt, "call record write");
  }
}

/** How long an informational message waits for its call-record write before answering anyway. */
const LIFECYCLE_WRITE_WAIT_MS = 2_000;

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Applies TRANSCRIPT_RETENTION_DAYS at most once an hour across all instances (a cache lock),
 * piggybacking on end-of-call reports so no scheduler is required. Off the response path and
 * best effort: a missed run is caught up by the next one (or by `npm run calls:purge`).
 */
async function purgeTranscriptsNowAndThen(deps: AppDeps): Promise<void> {
  try {
    if (deps.config.TRANSCRIPT_RETENTION_DAYS <= 0) return;
    if (!(await deps.cache.setIfAbsent("retention:transcripts", "1", RETENTION_INTERVAL_MS))) return;
    const purged = await purgeOldTranscripts(deps.db, deps.clock.now(), deps.config.TRANSCRIPT_RETENTION_DAYS);
    if (purged > 0) deps.logger.info("old transcripts deleted", { purged, retentionDays: deps.config.TRANSCRIPT_RETENTION_DAYS });
  } catch (err) {
    deps.logger.warn("transcript retention run failed", { err });
  }
}
