/**
 * The call record: `status-update` and `end-of-call-report` stored in `calls`, and the retention
 * of transcripts. A message is first reduced to the record that is stored (./call-record.ts), then
 * written (`writeCallRecord`). Vapi may deliver these messages late, twice or out of order, so every write
 * is an upsert whose SQL decides what wins: the status only moves forward, the first report is
 * kept and a repeated one changes nothing (nor counts the call twice in the caller's memory).
 */
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/client.ts";
import { callerMemory, calls, toolCalls } from "../../db/schema/index.ts";
import { type CallRecord, type ReportRecord, STATUS_RANK, type StatusRecord } from "./call-record.ts";

export interface RecordedReport {
  /** False when this call's report had already been stored: nothing was changed. */
  firstDelivery: boolean;
}

/**
 * Writes a record. Idempotent and order-tolerant, so a record may be written twice (a retry, a
 * spool replay racing a late first attempt) or after a newer one: the SQL decides what wins.
 */
export async function writeCallRecord(db: Database, record: CallRecord): Promise<RecordedReport> {
  if (record.kind === "status") {
    await recordStatusUpdate(db, record);
    return { firstDelivery: false };
  }
  return recordEndOfCallReport(db, record);
}

/** Stores a status update (a known status: see `statusRecord`). */
async function recordStatusUpdate(db: Database, update: StatusRecord): Promise<void> {
  const rank = STATUS_RANK[update.status]!;
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
}

/**
 * Stores an end-of-call report and (the first time only) updates the caller's memory, in one
 * transaction. The report is authoritative for times and outcome; a repeated delivery matches
 * no row in the conditional upsert and is a no-op.
 */
async function recordEndOfCallReport(db: Database, report: ReportRecord): Promise<RecordedReport> {
  const endedAt = new Date(report.endedAtMs ?? report.atMs);
  const startedAt = report.startedAtMs === undefined ? null : new Date(report.startedAtMs);
  const duration =
    report.durationSeconds ?? (startedAt ? Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 100) / 10) : undefined);
  const values = {
    callId: report.callId,
    callerNumber: report.callerNumber,
    phoneNumberId: report.phoneNumberId,
    status: "ended",
    statusRank: STATUS_RANK.ended!,
    startedAt,
    endedAt,
    endedReason: report.endedReason,
    durationSeconds: duration,
    cost: report.cost,
    summary: report.summary ?? null,
    successEvaluation: report.successEvaluation ?? null,
    structuredData: report.structuredData ?? null,
    structuredOutputs: report.structuredOutputs ?? null,
    recordingUrl: report.recordingUrl,
    transcript: report.transcript ?? null,
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
          structuredOutputs: fromReport("structured_outputs"),
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
          lastCallId: report.callId,
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
