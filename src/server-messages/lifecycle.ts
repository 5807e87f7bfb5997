/**
 * `status-update` and `end-of-call-report`: the message is reduced to the record that is stored,
 * and acknowledged only once that record is committed, or (Node) kept in the spool on disk.
 * Otherwise it is not acknowledged and Vapi delivers it again (see the ADR on call records).
 */
import { outputNaming } from "../assistant/structured-outputs.ts";
import { type AppDeps, secretsOf } from "../deps.ts";
import { type CallIdentity, type CallRecord, reportRecord, statusRecord } from "../services/calls/call-record.ts";
import { type LatencyLabels, latencyRecord, modeOf } from "../services/calls/latency-record.ts";
import { type CallRecordContext, storeCallRecord } from "../services/calls/store.ts";
import { redeliverNowAndThen } from "../services/outbox.ts";
import { callFacts, type VapiMessage } from "../vapi/envelope.ts";
import { assistantSetup, presetFor } from "./assistant-request.ts";

/**
 * - `stored`: committed; `kept`: in the spool, fsync'd (Node); `ignored`: nothing to store (no
 *   call id, an unknown status). All three are acknowledged with 200.
 * - `refused`: neither committed nor kept: answered 503 so that Vapi delivers it again.
 */
export type LifecycleOutcome = "stored" | "kept" | "ignored" | "refused";

/** Writes that outlived their wait and still run (a hung database); shared by one app's requests. */
export interface UnsettledWrites {
  count: number;
}

/** How long an informational message waits for its write before it is spooled (Node) or refused (Workers). */
export const LIFECYCLE_WRITE_WAIT_MS = 2_000;

/**
 * Writes hanging on the database that are enough to stop trying it: a hung write holds its record
 * in memory until the database answers, so past this many new records go to the spool directly.
 */
const MAX_UNSETTLED_WRITES = 8;

/** Stores a status update or end-of-call report, or keeps it in the spool, or says it was neither. */
export async function recordLifecycle(deps: AppDeps, message: VapiMessage, unsettled: UnsettledWrites): Promise<LifecycleOutcome> {
  const facts = callFacts(message);
  if (!facts.callId) {
    deps.logger.warn("lifecycle message without a call id was not stored", { type: message.type });
    return "ignored";
  }
  const identity: CallIdentity = {
    callId: facts.callId,
    callerNumber: facts.callerNumber,
    phoneNumberId: facts.phoneNumberId,
    atMs: facts.timestampMs ?? deps.clock.now().getTime(),
  };
  const secrets = secretsOf(deps);
  const record: CallRecord | undefined =
    message.type === "status-update"
      ? statusRecord(identity, message, secrets)
      : reportRecord(identity, message, {
          naming: outputNaming(assistantSetup(deps).config),
          latency: reportLatency(deps, message, facts.phoneNumberId),
          secrets,
        });
  if (!record) return "ignored";
  const fields = { type: message.type, callId: record.callId };
  const spool = deps.callRecordSpool;
  // Records already waiting, or writes already hanging: the database is not taking records now.
  if (spool && (spool.pending > 0 || unsettled.count >= MAX_UNSETTLED_WRITES)) return keep(deps, record, fields);

  const attempt = storeCallRecord(recordContext(deps), record);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    attempt.then(
      () => "stored" as const,
      (err: unknown) => err,
    ),
    new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), LIFECYCLE_WRITE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  if (waited === "stored") {
    // A call ended: the heartbeat that sends again what the outbox could not send before.
    if (message.type === "end-of-call-report")
      deps.defer(redeliverNowAndThen(deps.services.outbox, deps.cache, deps.logger), "outbox redelivery");
    return "stored";
  }
  if (waited === "pending") {
    // A hung database must not hold Vapi's request open. The write goes on (idempotent: it may
    // land after the spooled copy, or after Vapi's redelivery) and is counted while it runs.
    unsettled.count++;
    deps.defer(
      attempt
        .then(
          () => {},
          (err: unknown) => deps.logger.warn("call record write that outlived its wait failed", { ...fields, err }),
        )
        .finally(() => unsettled.count--),
      "call record write",
    );
    deps.logger.warn("call record write is slow; not waiting for it", fields);
  } else {
    deps.logger.warn("call record not stored", { ...fields, err: waited });
  }
  return spool ? keep(deps, record, fields) : "refused";
}

async function keep(deps: AppDeps, record: CallRecord, fields: Record<string, unknown>): Promise<LifecycleOutcome> {
  const kept = await deps.callRecordSpool!.keep(record);
  if (kept === "kept") return "kept";
  deps.logger.error("call record neither stored nor kept; not acknowledged", fields);
  return "refused";
}

/**
 * The report's latency record; a preset the configuration does not know (a label from the
 * payload) reads as the number's, and an experiment or arm it does not know is dropped.
 */
function reportLatency(deps: AppDeps, message: VapiMessage, phoneNumberId: string | undefined) {
  const fallback = servedLabels(deps, phoneNumberId);
  const { config } = assistantSetup(deps);
  const latency = latencyRecord(message, fallback, config.experiments);
  if (latency?.preset !== undefined && !Object.hasOwn(config.presets, latency.preset)) latency.preset = fallback.preset;
  return latency;
}

/** The preset a call on this number is served, and its endpointing mode: labels for a report whose assistant is not in it. */
function servedLabels(deps: AppDeps, phoneNumberId: string | undefined): LatencyLabels {
  const preset = presetFor(deps, phoneNumberId);
  const p = assistantSetup(deps).config.presets[preset];
  const adaptive =
    p.adaptiveEndpointing !== undefined && (deps.config.VAPI_CREDENTIAL_ID !== undefined || deps.config.VAPI_SERVER_AUTH === "header");
  return { preset, endpointingMode: adaptive ? "adaptive" : modeOf(p.startSpeakingPlan.smartEndpointingPlan?.provider) };
}

/** What storing a record needs, from the app's dependencies. */
export function recordContext(deps: AppDeps): CallRecordContext {
  return {
    db: deps.db,
    cache: deps.cache,
    logger: deps.logger,
    clock: deps.clock,
    defer: deps.defer,
    metrics: deps.metrics,
    retentionDays: deps.config.TRANSCRIPT_RETENTION_DAYS,
  };
}
