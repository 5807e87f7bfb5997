/** Attack traffic for the soak run and the fault tests: uploads that stall mid-body, and end-of-call reports of a given size. */
import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { inArray } from "drizzle-orm";
import type { Database } from "../../../src/db/client.ts";
import { calls } from "../../../src/db/schema/index.ts";

export interface StalledUpload {
  /** The status line's code, once the server answers (it may answer before the body is complete). */
  status: Promise<number>;
  close(): void;
}

/**
 * Opens a connection, sends the headers (declaring `declaredBytes`) and `sentBytes` of the body,
 * then sends nothing more: a client that stalls mid-upload.
 */
export function stalledUpload(
  base: string,
  headers: Record<string, string>,
  declaredBytes: number,
  sentBytes: number,
  path = "/vapi/webhook",
): StalledUpload {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  socket.on("error", () => {});
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    "Content-Type: application/json",
    `Content-Length: ${declaredBytes}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ].join("\r\n");
  socket.write(head);
  socket.write(Buffer.alloc(sentBytes, 0x20));
  const status = new Promise<number>((resolve, reject) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match) resolve(Number(match[1]));
    });
    socket.once("close", () => reject(new Error("closed without an answer")));
  });
  status.catch(() => {});
  return { status, close: () => socket.destroy() };
}

/** An end-of-call report of about `bytes` bytes (transcript turns in `artifact.messages`, which are not stored). */
export function endOfCallReportBody(callId: string, bytes: number): string {
  const turn = { role: "user", message: "I would like to know where my parcel is, it was due yesterday.", time: 0, secondsFromStart: 1.2 };
  const count = Math.max(1, Math.ceil(bytes / (JSON.stringify(turn).length + 1)));
  return JSON.stringify({
    message: {
      type: "end-of-call-report",
      endedReason: "customer-ended-call",
      timestamp: Date.now(),
      call: {
        id: callId,
        type: "inboundPhoneCall",
        customer: { number: `+1555${String(randomBytes(3).readUIntBE(0, 3) % 10_000_000).padStart(7, "0")}` },
      },
      cost: 0.12,
      startedAt: new Date(Date.now() - 60_000).toISOString(),
      endedAt: new Date().toISOString(),
      analysis: { summary: "Caller asked about a parcel.", successEvaluation: "true" },
      artifact: { transcript: "AI: Hello\nUser: Hi", messages: Array.from({ length: count }, (_, i) => ({ ...turn, time: i })) },
    },
  });
}

/** Acknowledged call ids missing from the database: must always be none. */
export async function missingCalls(db: Database, acknowledged: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (let i = 0; i < acknowledged.length; i += 1000) {
    const rows = await db
      .select({ callId: calls.callId })
      .from(calls)
      .where(inArray(calls.callId, acknowledged.slice(i, i + 1000)));
    for (const r of rows) found.add(r.callId);
  }
  return acknowledged.filter((id) => !found.has(id));
}
