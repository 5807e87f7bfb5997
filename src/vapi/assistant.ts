/**
 * Tools as Vapi sees them: each tool from `tools/` as a function tool pointing back at this
 * server, with the credentials Vapi will present on the tool call. The assistant around them
 * is built from `assistant.config.ts` (see src/assistant/build.ts).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { ToolDefinition } from "../tools/define-tool.ts";
import { parametersJsonSchema } from "../tools/registry.ts";

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

/** A tool as an inline Vapi function tool. */
export function toVapiTool(tool: ToolDefinition, target: ServerTarget, defaultBudgetMs: number): Vapi.CreateFunctionToolDto {
  const messages: Vapi.CreateFunctionToolDtoMessagesItem[] = [];
  const m = tool.messages;
  if (m?.start) messages.push({ type: "request-start", content: m.start, blocking: false });
  if (m?.delayed) messages.push({ type: "request-response-delayed", content: m.delayed, timingMilliseconds: m.delayedAfterMs ?? 1500 });
  if (m?.failed) messages.push({ type: "request-failed", content: m.failed });
  return {
    type: "function",
    function: {
      name: tool.name,
      description: tool.description,
      parameters: parametersJsonSchema(tool) as unknown as Vapi.OpenAiFunctionParameters,
    },
    server: serverFor(target, timeoutSecondsFor(tool.budgetMs ?? defaultBudgetMs)),
    ...(messages.length > 0 ? { messages } : {}),
    async: false,
  } as Vapi.CreateFunctionToolDto;
}
