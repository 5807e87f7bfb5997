/**
 * The call-mix load: N simulated concurrent calls, each sending about one informational event a
 * second and a tool call every 15 to 20 seconds, as an open-loop schedule (requests go out on
 * time whether or not earlier ones have answered, so a slow server shows as latency, not as a
 * politely reduced load).
 */
import { Agent, request } from "node:http";
import { summarize } from "./stats.ts";

export interface CallMixTarget {
  base: URL;
  headers: Record<string, string>;
  informational(callId: string): string;
  toolCall(callId: string, seq: number): string;
  /** True when a tool-call answer is a success (not an `error`). */
  isToolSuccess(body: string): boolean;
}

export interface CallMixResult {
  calls: number;
  seconds: number;
  sent: number;
  informational: ReturnType<typeof summarize>;
  tool: ReturnType<typeof summarize>;
  errors: number;
  toolFailures: number;
  late: number;
}

export async function runCallMix(target: CallMixTarget, calls: number, seconds: number, sockets = 64): Promise<CallMixResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const informational: number[] = [];
  const tool: number[] = [];
  let errors = 0;
  let toolFailures = 0;
  let sent = 0;
  let late = 0;
  const pending = new Set<Promise<void>>();

  const send = (body: string, kind: "info" | "tool") => {
    const started = performance.now();
    sent++;
    const p = new Promise<void>((resolve) => {
      const req = request(
        target.base,
        { method: "POST", agent, headers: { ...target.headers, "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const ms = performance.now() - started;
            if (res.statusCode !== 200) errors++;
            if (kind === "info") informational.push(ms);
            else {
              tool.push(ms);
              if (!target.isToolSuccess(Buffer.concat(chunks).toString())) toolFailures++;
            }
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };

  // Each call has its own phase so events spread evenly instead of arriving in bursts.
  // Each call's informational body is built once: the generator shares the machine with the server.
  type Sim = { id: string; info: string; nextInfo: number; nextTool: number; seq: number };
  const start = performance.now();
  const sims: Sim[] = Array.from({ length: calls }, (_, i) => {
    const id = `bench-call-${i}-${Math.random().toString(36).slice(2, 8)}`;
    return {
      id,
      info: target.informational(id),
      nextInfo: start + Math.random() * 1000,
      nextTool: start + Math.random() * 17_500,
      seq: 0,
    };
  });
  const end = start + seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (now >= end) return resolve();
      for (const sim of sims) {
        if (sim.nextInfo <= now) {
          if (now - sim.nextInfo > 100) late++;
          send(sim.info, "info");
          sim.nextInfo += 900 + Math.random() * 200;
        }
        if (sim.nextTool <= now) {
          send(target.toolCall(sim.id, sim.seq++), "tool");
          sim.nextTool += 15_000 + Math.random() * 5_000;
        }
      }
      setTimeout(tick, 5);
    };
    tick();
  });
  await Promise.all(pending);
  agent.destroy();
  return { calls, seconds, sent, informational: summarize(informational), tool: summarize(tool), errors, toolFailures, late };
}
