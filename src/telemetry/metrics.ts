/**
 * What the app counts, behind a small interface: the Node entry backs it with a Prometheus
 * registry, Workers and tests may use `noopMetrics`. Nothing here imports a metrics library.
 */

/** Why a tool call ended in `error`. */
export type ToolErrorKind = "validation" | "unknown_tool" | "failure" | "timeout" | "internal" | "rejected";
export type CacheOutcome = "hit" | "miss" | "stale" | "error";

/** The stages of a voice turn Vapi measures (milliseconds in its reports). */
export type TurnStage = "transcriber" | "endpointing" | "model" | "voice" | "turn";

export interface Metrics {
  toolCall(tool: string, seconds: number, outcome: "result" | "error", errorKind?: ToolErrorKind): void;
  budgetExceeded(tool: string): void;
  cacheLookup(area: string, outcome: CacheOutcome): void;
  webhookMessage(type: string): void;
  /** Follows status-update messages to keep a gauge of calls in progress. */
  callStatus(callId: string, status: string): void;
  /**
   * A routing decision: for assistant-request `outcome` is reject, forward, assistant or squad; for
   * handoff-destination-request handoff or refused. `rule` names the rule that decided (from the
   * assistant configuration: bounded). Optional: implementations without it count nothing.
   */
  routingDecision?(message: "assistant-request" | "handoff-destination-request", outcome: string, rule: string): void;
  /**
   * An adaptive endpointing decision: the call's preset, the rule that decided (a rule name from
   * the assistant configuration or `plan:*`: bounded) and the wait chosen.
   */
  endpointingDecision?(preset: string, rule: string, seconds: number): void;
  /** Server-side time to answer one `call.endpointing.request`, from its parsed body to its answer (seconds). */
  endpointingAnswered?(elapsedSeconds: number): void;
  /**
   * One call's turns as its end-of-call report measured them (milliseconds per stage), observed once
   * per call, with its interruptions. `preset` comes from the configuration (bounded).
   */
  turnLatencies?(
    preset: string,
    turns: readonly Partial<Record<TurnStage, number>>[],
    interruptions: { user: number; assistant: number },
  ): void;
  /** Prometheus text exposition, when this implementation has one. */
  render?(): Promise<{ contentType: string; body: string }>;
}

export const noopMetrics: Metrics = {
  toolCall: () => {},
  budgetExceeded: () => {},
  cacheLookup: () => {},
  webhookMessage: () => {},
  callStatus: () => {},
};
