/** Where Vapi sends its requests (this server's webhook) and the credentials it presents there. */
import type { Vapi } from "@vapi-ai/server-sdk";

export interface ServerTarget {
  /** Absolute URL of this server's webhook. */
  url: string;
  /** Either a Vapi credential id, or the secret sent back as a header. */
  credentialId?: string;
  secret: string;
}

/** Messages this backend acts on; listed explicitly so Vapi sends nothing we ignore. */
export const SERVER_MESSAGES: readonly Vapi.CreateAssistantDtoServerMessagesItem[] = [
  "tool-calls",
  "transfer-destination-request",
  "status-update",
  "end-of-call-report",
];

/** Where Vapi sends a request, with the credentials it presents. */
export function serverFor(target: ServerTarget, timeoutSeconds?: number): Vapi.Server {
  return {
    url: target.url,
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(target.credentialId ? { credentialId: target.credentialId } : { headers: { "x-vapi-secret": target.secret } }),
  };
}

/**
 * Vapi's timeout for a tool. The server answers within the budget itself, so Vapi's own timeout
 * only has to cover the network on top: budget plus a margin, in whole seconds (1 to 300).
 */
export function timeoutSecondsFor(budgetMs: number): number {
  return Math.min(300, Math.max(1, Math.ceil((budgetMs + 1500) / 1000)));
}
