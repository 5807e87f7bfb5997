/**
 * A week of synthetic end-of-call latency records for the demo data, so `npm run latency` shows a
 * real picture on first run: three presets with their own turn-taking (dispatch at a fixed
 * 300 ms, scheduling adaptive, support on LiveKit), a model and voice per preset, interruptions,
 * some transfers, and an endpointing experiment between dispatch and scheduling. Deterministic
 * per day; ids carry the day, so seeding again adds only the days that are missing.
 */
import type { Database } from "../../db/client.ts";
import { callLatencies, calls, callTurnLatencies } from "../../db/schema/index.ts";
import { localDate } from "../../lib/speak.ts";

/** Calls per demo day. */
const CALLS_PER_DAY = 14;

interface PresetShape {
  preset: string;
  mode: string;
  /** Median ms per stage; endpointing as [short, long] for adaptive turns. */
  transcriber: number;
  endpointing: number;
  longEndpointing?: number;
  model: number;
  voice: number;
  /** Mean interruptions per call: the assistant over the caller, the caller over the assistant. */
  userInterrupted: number;
  assistantInterrupted: number;
}

const SHAPES: PresetShape[] = [
  {
    preset: "dispatch",
    mode: "transcription",
    transcriber: 170,
    endpointing: 300,
    model: 110,
    voice: 130,
    userInterrupted: 1.6,
    assistantInterrupted: 0.8,
  },
  {
    preset: "scheduling",
    mode: "adaptive",
    transcriber: 180,
    endpointing: 320,
    longEndpointing: 1500,
    model: 220,
    voice: 150,
    userInterrupted: 0.4,
    assistantInterrupted: 0.9,
  },
  {
    preset: "support",
    mode: "livekit",
    transcriber: 190,
    endpointing: 520,
    model: 240,
    voice: 160,
    userInterrupted: 0.5,
    assistantInterrupted: 1.2,
  },
];

/** The demo experiment (docs/latency.md, "Experiments"). */
export const DEMO_EXPERIMENT = "endpointing-trial";

/** Adds the past week's synthetic calls that are not there yet. Returns how many calls were added. */
export async function seedDemoCallReports(db: Pick<Database, "insert">, now: Date, timeZone: string): Promise<number> {
  let added = 0;
  for (let day = 7; day >= 1; day--) {
    const date = localDate(new Date(now.getTime() - day * 86_400_000), timeZone);
    const random = mulberry32(hashOf(date));
    const callRows = [];
    const latencyRows = [];
    const turnRows = [];
    for (let n = 0; n < CALLS_PER_DAY; n++) {
      const shape = SHAPES[n % SHAPES.length]!;
      const callId = `demo-call-${date}-${String(n + 1).padStart(2, "0")}`;
      const endedAt = new Date(now.getTime() - day * 86_400_000 + (n / CALLS_PER_DAY) * 43_200_000);
      const turns = 4 + Math.floor(random() * 9);
      const durationSeconds = Math.round(turns * (9 + random() * 8));
      const transferred = random() < (shape.preset === "support" ? 0.2 : 0.08);
      const inExperiment = shape.preset !== "support";
      callRows.push({
        callId,
        phoneNumberId: `demo-${shape.preset}-line`,
        status: "ended",
        statusRank: 5,
        startedAt: new Date(endedAt.getTime() - durationSeconds * 1000),
        endedAt,
        endedReason: transferred ? "assistant-forwarded-call" : "customer-ended-call",
        durationSeconds,
        reportReceivedAt: endedAt,
      });
      latencyRows.push({
        callId,
        preset: shape.preset,
        endpointingMode: shape.mode,
        phoneNumberId: `demo-${shape.preset}-line`,
        experiment: inExperiment ? DEMO_EXPERIMENT : null,
        arm: inExperiment ? shape.preset : null,
        endedAt,
        durationSeconds,
        turns,
        userInterrupted: poisson(random, shape.userInterrupted),
        assistantInterrupted: poisson(random, shape.assistantInterrupted),
        transferred,
      });
      for (let turn = 1; turn <= turns; turn++) {
        const transcriberMs = around(random, shape.transcriber);
        // Adaptive turns wait long while a number or a name is read out (about one turn in four).
        const endpointingMs = around(random, shape.longEndpointing && random() < 0.25 ? shape.longEndpointing : shape.endpointing);
        const modelMs = around(random, shape.model) + (random() < 0.05 ? 600 : 0);
        const voiceMs = around(random, shape.voice);
        turnRows.push({ callId, turn, transcriberMs, endpointingMs, modelMs, voiceMs, turnMs: transcriberMs + modelMs + voiceMs });
      }
    }
    const inserted = await db.insert(calls).values(callRows).onConflictDoNothing().returning({ callId: calls.callId });
    if (inserted.length === 0) continue;
    const fresh = new Set(inserted.map((r) => r.callId));
    await db
      .insert(callLatencies)
      .values(latencyRows.filter((r) => fresh.has(r.callId)))
      .onConflictDoNothing();
    await db
      .insert(callTurnLatencies)
      .values(turnRows.filter((r) => fresh.has(r.callId)))
      .onConflictDoNothing();
    added += inserted.length;
  }
  return added;
}

/** A value near `median` (log-normal, about ±35%), in whole ms. */
function around(random: () => number, median: number): number {
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.round(median * Math.exp(0.3 * normal));
}

function poisson(random: () => number, mean: number): number {
  let k = 0;
  for (let p = Math.exp(-mean), s = p, u = random(); u > s && k < 20; ) {
    k++;
    p *= mean / k;
    s += p;
  }
  return k;
}

function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A small seeded generator: the same day always gets the same calls. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
