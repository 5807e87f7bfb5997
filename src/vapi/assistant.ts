/**
 * The transient assistant answered on `assistant-request`: every tool from `tools/` attached,
 * each pointing back at this server with credentials Vapi will present on the tool call.
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
export const SERVER_MESSAGES = ["tool-calls", "transfer-destination-request", "status-update", "end-of-call-report"] as const;

function serverFor(target: ServerTarget, timeoutSeconds?: number): Vapi.Server {
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

export interface AssistantSettings {
  businessName: string;
  timeZone: string;
  defaultBudgetMs: number;
}

/** A minimal working assistant: fast defaults, every tool attached. */
export function buildAssistant(
  tools: readonly ToolDefinition[],
  target: ServerTarget,
  settings: AssistantSettings,
): Vapi.CreateAssistantDto {
  const systemPrompt = [
    `You are the phone assistant of ${settings.businessName}. Be brief and friendly: this is a phone call.`,
    "Use the tools for anything about the caller's shipments, appointments or account; never invent data.",
    "If a tool returns an error, explain it simply and offer what the error suggests.",
    "Never ask for, repeat or write down card numbers; to take a payment, text the caller a payment link with send_payment_link.",
    `The business is in the ${settings.timeZone} time zone.`,
  ].join(" ");
  return {
    name: "Switchboard",
    firstMessage: `Thanks for calling ${settings.businessName}. How can I help you today?`,
    transcriber: { provider: "deepgram", model: "nova-2", language: "en" },
    model: {
      provider: "openai",
      model: "gpt-4o-mini",
      temperature: 0.3,
      messages: [{ role: "system", content: systemPrompt }],
      tools: tools.map((t) => toVapiTool(t, target, settings.defaultBudgetMs)),
    },
    voice: { provider: "vapi", voiceId: "Elliot" },
    server: serverFor(target),
    serverMessages: [...SERVER_MESSAGES],
  } as Vapi.CreateAssistantDto;
}
