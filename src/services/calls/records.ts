/**
 * The call record: `status-update` and `end-of-call-report` stored in `calls`, and the retention
 * of transcripts. Vapi may deliver these messages late, twice or out of order, so every write
 * is an upsert whose SQL decides what wins: the status only moves forward, the first report is
 * kept and a repeated one changes nothing (nor counts the call twice in the caller's memory).
 */
import { asc, eq, sql } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../../db/client.ts";
import { callerMemory, calls, toolCalls } from "../../db/schema/index.ts";
import { redactDeep, redactPersonalData } from "../../lib/redaction.ts";

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

export interface StatusUpdate extends CallIdentity {
  status: string;
  endedReason: string | undefined;
}

const isoDate = z
  .string()
  .optional()
  .transform((v) => {
    if (!v) return undefined;
    const d = new Date(v);
    // Dates Postgres cannot store (or that are plainly wrong) are treated as absent.
    const year = d.getUTCFullYear();
    return Number.isNaN(d.getTime()) || year < 2000 || year >= 2200 ? undefined : d;
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
      recording: z
        .looseObject({ url: str, mono: z.looseObject({ combinedUrl: str }).optional().catch(undefined) })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

export type EndOfCallReport = z.output<typeof reportSchema>;

/** Reads the stored fields of an end-of-call report message; never throws. */
export function readEndOfCallReport(message: Record<string, unknown>): EndOfCallReport {
  const parsed = reportSchema.safeParse(message);
  return parsed.success ? parsed.data : ({} as EndOfCallReport);
}

/** Stores a status update. Returns false for a status Switchboard does not know (ignored). */
export async function recordStatusUpdate(db: Database, update: StatusUpdate): Promise<boolean> {
  const rank = STATUS_RANK[update.status];
  if (rank === undefined) return false;
  const at = new Date(update.atMs);
  await db
    .insert(calls)
    .values({
      callId: update.callId,
      callerNumber: update.callerNumber,
      phoneNumberId: update.phoneNumberId,
      status: update.status,
      statusRank: rank,
      startedAt: update.status === "in-progress" ? at : null,
      endedAt: update.status === "ended" ? at : null,
      endedReason: update.endedReason,
    })
    .onConflictDoUpdate({
      target: calls.callId,
      set: {
        status: sql`case when excluded.status_rank > ${calls.statusRank} then excluded.status else ${calls.status} end`,
        statusRank: sql`greatest(${calls.statusRank}, excluded.status_rank)`,
        callerNumber: sql`coalesce(${calls.callerNumber}, excluded.caller_number)`,
        phoneNumberId: sql`coalesce(${calls.phoneNumberId}, excluded.phone_number_id)`,
        // What is already stored wins: it came from the report or from an earlier status.
        startedAt: sql`coalesce(${calls.startedAt}, excluded.started_at)`,
        endedAt: sql`coalesce(${calls.endedAt}, excluded.ended_at)`,
        endedReason: sql`coalesce(${calls.endedReason}, excluded.ended_reason)`,
        updatedAt: sql`now()`,
      },
    });
  return true;
}

export interface RecordedReport {
  /** False when this call's report had already been stored: nothing was changed. */
  firstDelivery: boolean;
}

/**
 * Stores an end-of-call report, redacted, and (the first time only) updates the caller's memory,
 * in one transaction. The report is authoritative for times and outcome; a repeated delivery
 * matches no row in the conditional upsert and is a no-op.
 */
export async function recordEndOfCallReport(db: Database, identity: CallIdentity, report: EndOfCallReport): Promise<RecordedReport> {
  const redact = { callerNumber: identity.callerNumber };
  const summary = report.analysis?.summary ?? report.summary;
  const transcript = report.artifact?.transcript ?? report.transcript;
  const endedAt = report.endedAt ?? new Date(identity.atMs);
  const startedAt = report.startedAt ?? null;
  const duration =
    report.durationSeconds ?? (startedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 100) / 10) : undefined);
  const success = report.analysis?.successEvaluation;
  const values = {
    callId: identity.callId,
    callerNumber: identity.callerNumber,
    phoneNumberId: identity.phoneNumberId,
    status: "ended",
    statusRank: STATUS_RANK.ended!,
    startedAt,
    endedAt,
    endedReason: report.endedReason,
    durationSeconds: duration,
    cost: report.cost,
    summary: summary === undefined ? null : redactPersonalData(summary, redact),
    successEvaluation: success === undefined ? null : String(success),
    structuredData: report.analysis?.structuredData === undefined ? null : redactDeep(report.analysis.structuredData, redact),
    recordingUrl:
      report.artifact?.recordingUrl ??
      report.artifact?.recording?.mono?.combinedUrl ??
      report.artifact?.recording?.url ??
      report.recordingUrl,
    transcript: transcript === undefined ? null : redactPersonalData(transcript, redact),
    reportReceivedAt: sql`now()`,
  };
  const fromReport = (column: string) => sql.raw(`excluded.${column}`);
  return db.transaction(async (tx) => {
    const applied = await tx
      .insert(calls)
      .values(values)
      .onConflictDoUpdate({
        target: calls.callId,
        where: sql`${calls.reportReceivedAt} is null`,
        set: {
          status: sql`'ended'`,
          statusRank: sql`greatest(${calls.statusRank}, excluded.status_rank)`,
          callerNumber: sql`coalesce(${calls.callerNumber}, excluded.caller_number)`,
          phoneNumberId: sql`coalesce(${calls.phoneNumberId}, excluded.phone_number_id)`,
          startedAt: sql`coalesce(excluded.started_at, ${calls.startedAt})`,
          endedAt: fromReport("ended_at"),
          endedReason: sql`coalesce(excluded.ended_reason, ${calls.endedReason})`,
          durationSeconds: fromReport("duration_seconds"),
          cost: fromReport("cost"),
          summary: fromReport("summary"),
          successEvaluation: fromReport("success_evaluation"),
          structuredData: fromReport("structured_data"),
          recordingUrl: fromReport("recording_url"),
          transcript: fromReport("transcript"),
          reportReceivedAt: fromReport("report_received_at"),
          updatedAt: sql`now()`,
        },
      })
      .returning({ callId: calls.callId, callerNumber: calls.callerNumber });
    const row = applied[0];
    if (!row) return { firstDelivery: false };
    if (row.callerNumber) {
      await tx
        .insert(callerMemory)
        .values({
          callerNumber: row.callerNumber,
          callCount: 1,
          lastCallId: identity.callId,
          lastCallAt: endedAt,
          lastSummary: values.summary,
        })
        .onConflictDoUpdate({
          target: callerMemory.callerNumber,
          set: {
            callCount: sql`${callerMemory.callCount} + 1`,
            // A report delivered late for an older call must not replace the newer call's summary.
            lastCallId: sql`case when ${newer()} then excluded.last_call_id else ${callerMemory.lastCallId} end`,
            lastSummary: sql`case when ${newer()} then excluded.last_summary else ${callerMemory.lastSummary} end`,
            lastCallAt: sql`greatest(${callerMemory.lastCallAt}, excluded.last_call_at)`,
            updatedAt: sql`now()`,
          },
        });
    }
    return { firstDelivery: true };
  });
}

const newer = () => sql`(${callerMemory.lastCallAt} is null or excluded.last_call_at >= ${callerMemory.lastCallAt})`;

/** A stored call with the tool invocations made during it, oldest first. */
export async function findCall(db: Database, callId: string) {
  const [call] = await db.select().from(calls).where(eq(calls.callId, callId));
  if (!call) return undefined;
  const tools = await db.select().from(toolCalls).where(eq(toolCalls.callId, callId)).orderBy(asc(toolCalls.createdAt));
  return { ...call, toolCalls: tools };
}

/**
 * Deletes transcripts of calls that ended more than `retentionDays` ago (0 keeps them forever).
 * The rest of the record (outcome, summary, cost) stays. Returns how many transcripts went.
 */
export async function purgeOldTranscripts(db: Database, now: Date, retentionDays: number): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const purged = await db
    .update(calls)
    .set({ transcript: null, transcriptPurgedAt: now, updatedAt: now })
    .where(sql`${calls.transcript} is not null and ${calls.endedAt} < ${cutoff.toISOString()}`)
    .returning({ callId: calls.callId });
  return purged.length;
}
