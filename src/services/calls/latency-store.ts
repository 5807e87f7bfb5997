/** Writing a call's latency record (`call_latencies` and its turns); run inside the report's transaction. */
import type { Database } from "../../db/client.ts";
import { callLatencies, callTurnLatencies } from "../../db/schema/index.ts";
import type { LatencyRecord } from "./latency-record.ts";

/** Rows per insert statement: Postgres takes at most 65535 parameters in one. */
const TURNS_PER_INSERT = 500;

/**
 * Stores `latency` for a call whose report is being stored for the first time. Conflicts change
 * nothing (a report replayed from the spool after a partial failure cannot count twice).
 */
export async function insertLatencies(
  tx: Pick<Database, "insert">,
  call: { callId: string; phoneNumberId: string | undefined; endedAt: Date; durationSeconds: number | undefined },
  latency: LatencyRecord,
): Promise<void> {
  await tx
    .insert(callLatencies)
    .values({
      callId: call.callId,
      preset: latency.preset,
      endpointingMode: latency.endpointingMode,
      phoneNumberId: call.phoneNumberId,
      experiment: latency.experiment,
      arm: latency.arm,
      endedAt: call.endedAt,
      durationSeconds: call.durationSeconds,
      turns: latency.turns.length,
      userInterrupted: latency.userInterrupted,
      assistantInterrupted: latency.assistantInterrupted,
      transferred: latency.transferred,
    })
    .onConflictDoNothing();
  for (let from = 0; from < latency.turns.length; from += TURNS_PER_INSERT) {
    const rows = latency.turns.slice(from, from + TURNS_PER_INSERT).map((t, i) => ({
      callId: call.callId,
      turn: from + i + 1,
      transcriberMs: t.transcriber,
      endpointingMs: t.endpointing,
      modelMs: t.model,
      voiceMs: t.voice,
      turnMs: t.turn,
    }));
    await tx.insert(callTurnLatencies).values(rows).onConflictDoNothing();
  }
}
