/**
 * A lifecycle message reduced to the call record that is stored (`statusRecord`, `reportRecord`):
 * only the stored fields, already sanitized and redacted, small enough to spool and replay.
 */
import { z } from "zod";
import { redactDeep, redactPersonalData } from "../../lib/redaction.ts";
import type { LatencyRecord } from "./latency-record.ts";
import { storableJson, storableText, TEXT_LIMITS } from "./sanitize.ts";

/** The order of a call's statuses; a message with a lower rank than the stored one changes nothing. */
export const STATUS_RANK: Record<string, number> = {
  scheduled: 0,
  queued: 1,
  ringing: 2,
  "in-progress": 3,
  forwarding: 4,
  ended: 5,
};

/** Facts about the call every lifecycle message carries. */
export interface CallIdentity {
  callId: string;
  callerNumber: string | undefined;
  phoneNumberId: string | undefined;
  /** When Vapi says the message happened (epoch ms), else when it arrived. */
  atMs: number;
}

/**
 * A call record as it is stored: only the fields the `calls` row keeps, already storable
 * (sanitize.ts) and redacted, as plain JSON. This, not the message, is what is written, retried
 * and spooled: a 7 MB report is a few KB here unless its transcript is long.
 */
export type CallRecord = StatusRecord | ReportRecord;

export interface StatusRecord extends CallIdentity {
  kind: "status";
  status: string;
  endedReason?: string | undefined;
}

export interface ReportRecord extends CallIdentity {
  kind: "report";
  endedReason?: string | undefined;
  cost?: number | undefined;
  startedAtMs?: number | undefined;
  endedAtMs?: number | undefined;
  durationSeconds?: number | undefined;
  summary?: string | undefined;
  successEvaluation?: string | undefined;
  structuredData?: Record<string, unknown> | undefined;
  /** The structured outputs' results by key (see `OutputNaming`). */
  structuredOutputs?: Record<string, unknown> | undefined;
  recordingUrl?: string | undefined;
  transcript?: string | undefined;
  /** Vapi's performance metrics (numbers and labels: kept by `essentials` too). */
  latency?: LatencyRecord | undefined;
}

const isoDate = z
  .string()
  .optional()
  .transform((v) => {
    if (!v) return undefined;
    const d = new Date(v);
    // Dates Postgres cannot store (or that are plainly wrong) are treated as absent.
    const year = d.getUTCFullYear();
    return Number.isNaN(d.getTime()) || year < 2000 || year >= 2200 ? undefined : d.getTime();
  });
const num = z.number().finite().optional().catch(undefined);
const str = z.string().optional().catch(undefined);

/** The parts of an end-of-call report that are stored; tolerant of Vapi's older top-level fields. */
const reportSchema = z.looseObject({
  endedReason: str,
  cost: num,
  startedAt: isoDate.catch(undefined),
  endedAt: isoDate.catch(undefined),
  durationSeconds: num,
  summary: str,
  transcript: str,
  recordingUrl: str,
  analysis: z
    .looseObject({
      summary: str,
      successEvaluation: z.union([z.string(), z.boolean(), z.number()]).optional().catch(undefined),
      structuredData: z.record(z.string(), z.unknown()).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  artifact: z
    .looseObject({
      transcript: str,
      recordingUrl: str,
      // Keyed by the output's id in Vapi: { "<id>": { name, result } }; a list of { id, name, result } is read too.
      structuredOutputs: z
        .union([
          z.record(z.string(), z.unknown()),
          z.array(z.unknown()).transform((list) => Object.fromEntries(list.map((item, i) => [idOf(item) ?? String(i), item]))),
        ])
        .optional()
        .catch(undefined),
      recording: z
        .looseObject({ url: str, mono: z.looseObject({ combinedUrl: str }).optional().catch(undefined) })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

function idOf(item: unknown): string | undefined {
  const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : undefined;
}

const text = (value: string | undefined, max: number) => (value === undefined ? undefined : storableText(value, max));

/**
 * The stored record of a status update, or undefined for a status Switchboard does not know
 * (ignored). `secrets` (the server's own, `serverSecrets`) never reach the record.
 */
export function statusRecord(
  identity: CallIdentity,
  message: Record<string, unknown>,
  secrets: readonly string[] = [],
): StatusRecord | undefined {
  const status = typeof message.status === "string" ? message.status : "";
  if (STATUS_RANK[status] === undefined) return undefined;
  const endedReason = typeof message.endedReason === "string" ? message.endedReason : undefined;
  const reason = text(endedReason, TEXT_LIMITS.endedReason);
  return {
    kind: "status",
    ...identity,
    status,
    endedReason: reason === undefined ? undefined : redactPersonalData(reason, { callerNumber: identity.callerNumber, secrets }),
  };
}

/**
 * How an end-of-call report's structured outputs map back to the keys of `assistant.config.ts`
 * (built by src/assistant/structured-outputs.ts). Without it every result keeps Vapi's name.
 */
export interface OutputNaming {
  /** The key of an output by its name in Vapi; undefined for outputs the configuration does not declare. */
  keyOf(name: string): string | undefined;
  /** The key of the output that is the call's summary (used when the report has no `analysis.summary`). */
  summaryKey?: string | undefined;
}

/**
 * The results of `artifact.structuredOutputs` by key: an output the configuration declares under
 * its key, any other under its name in Vapi (else its id). Entries that are not `{ result }` are skipped.
 */
export function outputResults(raw: Record<string, unknown> | undefined, naming: OutputNaming | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [id, entry] of Object.entries(raw ?? {})) {
    if (typeof entry !== "object" || entry === null || !("result" in entry)) continue;
    const { name, result } = entry as { name?: unknown; result: unknown };
    const key = (typeof name === "string" ? (naming?.keyOf(name) ?? name) : undefined) ?? id;
    Object.defineProperty(out, key, { value: result ?? null, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** What a report's record is built with besides the message. */
export interface ReportRecordOptions {
  naming?: OutputNaming | undefined;
  latency?: LatencyRecord | undefined;
  /** The server's own secrets (`serverSecrets`): replaced in every stored text and structured value. */
  secrets?: readonly string[] | undefined;
}

/** The stored record of an end-of-call report: storable, redacted, without what is not stored. Never throws. */
export function reportRecord(identity: CallIdentity, message: Record<string, unknown>, options: ReportRecordOptions = {}): ReportRecord {
  const { naming, latency, secrets } = options;
  const parsed = reportSchema.safeParse(message);
  const report = parsed.success ? parsed.data : ({} as z.output<typeof reportSchema>);
  const redact = { callerNumber: identity.callerNumber, secrets };
  // Cut before redacting: redaction's cost grows with the text.
  const outputs = outputResults(report.artifact?.structuredOutputs, naming);
  const summarized = naming?.summaryKey === undefined ? undefined : outputs[naming.summaryKey];
  const summary = text(
    report.analysis?.summary ?? (typeof summarized === "string" ? summarized : undefined) ?? report.summary,
    TEXT_LIMITS.summary,
  );
  const transcript = text(report.artifact?.transcript ?? report.transcript, TEXT_LIMITS.transcript);
  const structured = report.analysis?.structuredData;
  const success = report.analysis?.successEvaluation;
  // Every free text is redacted: an evaluation written by Vapi's model may quote the caller.
  const redacted = (value: string | undefined) => (value === undefined ? undefined : redactPersonalData(value, redact));
  return {
    kind: "report",
    ...identity,
    endedReason: redacted(text(report.endedReason, TEXT_LIMITS.endedReason)),
    cost: report.cost,
    startedAtMs: report.startedAt,
    endedAtMs: report.endedAt,
    durationSeconds: report.durationSeconds,
    summary: redacted(summary),
    successEvaluation: success === undefined ? undefined : redacted(text(String(success), TEXT_LIMITS.successEvaluation)),
    structuredData: structured === undefined ? undefined : redactDeep(storableJson(structured), redact),
    structuredOutputs: Object.keys(outputs).length === 0 ? undefined : redactDeep(storableJson(outputs), redact),
    recordingUrl: redacted(
      text(
        report.artifact?.recordingUrl ??
          report.artifact?.recording?.mono?.combinedUrl ??
          report.artifact?.recording?.url ??
          report.recordingUrl,
        TEXT_LIMITS.recordingUrl,
      ),
    ),
    transcript: redacted(transcript),
    latency,
  };
}

/**
 * The record without its free text and structured data: what is still stored when the database
 * refuses one of those fields (a last resort; sanitize.ts should have made them storable).
 */
export function essentials(record: CallRecord): CallRecord {
  if (record.kind === "status") return { ...record, endedReason: undefined };
  const { kind, callId, callerNumber, phoneNumberId, atMs, cost, startedAtMs, endedAtMs, durationSeconds, latency } = record;
  return { kind, callId, callerNumber, phoneNumberId, atMs, cost, startedAtMs, endedAtMs, durationSeconds, latency };
}

/** Reads a record back from its JSON form (the spool); undefined when it is not one. */
export function parseCallRecord(value: unknown): CallRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const r = value as Partial<CallRecord>;
  if ((r.kind !== "status" && r.kind !== "report") || typeof r.callId !== "string" || typeof r.atMs !== "number") return undefined;
  if (r.kind === "status" && typeof r.status !== "string") return undefined;
  return r as CallRecord;
}
