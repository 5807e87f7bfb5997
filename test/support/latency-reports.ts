/** End-of-call reports carrying Vapi's performance metrics, for the latency tests. */

/** Three turns: one fast, one at the budget, one over it (ms). */
export const TURNS = [
  { transcriberLatency: 120, endpointingLatency: 90, modelLatency: 140, voiceLatency: 110, turnLatency: 460 },
  { transcriberLatency: 200, endpointingLatency: 300, modelLatency: 150, voiceLatency: 150, turnLatency: 500 },
  { transcriberLatency: 260, endpointingLatency: 1600, modelLatency: 420, voiceLatency: 180, turnLatency: 2460 },
];

/** An end-of-call report of `callId` with `artifact.performanceMetrics` (TURNS unless given), labelled by the served assistant when `preset` is given. */
export function reportWithMetrics(
  callId: string,
  options: {
    preset?: string;
    provider?: string;
    endedReason?: string;
    turns?: unknown;
    endedAt?: Date;
    metadata?: Record<string, string>;
    interrupted?: { user: number; assistant: number };
  } = {},
) {
  const ended = options.endedAt ?? new Date();
  return {
    message: {
      type: "end-of-call-report",
      endedReason: options.endedReason ?? "customer-ended-call",
      timestamp: ended.getTime(),
      call: { id: callId, type: "inboundPhoneCall", phoneNumberId: "pn-latency", customer: { number: "+15550002222" } },
      ...(options.preset
        ? {
            assistant: {
              metadata: { preset: options.preset, ...options.metadata },
              startSpeakingPlan: options.provider ? { smartEndpointingPlan: { provider: options.provider } } : {},
            },
          }
        : {}),
      startedAt: new Date(ended.getTime() - 90_000).toISOString(),
      endedAt: ended.toISOString(),
      artifact: {
        transcript: "AI: Hello\nUser: Hi",
        performanceMetrics: {
          turnLatencies: options.turns ?? TURNS,
          turnLatencyAverage: 1140,
          numUserInterrupted: options.interrupted?.user ?? 1,
          numAssistantInterrupted: options.interrupted?.assistant ?? 2,
        },
      },
    },
  };
}
