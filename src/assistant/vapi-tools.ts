/**
 * Tools as Vapi sees them: each tool from `tools/` as a function tool pointing back at this
 * server, with the credentials Vapi will present on the tool call. The assistant around them
 * is built from `assistant.config.ts` (see src/assistant/build.ts).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { ToolDefinition } from "../tools/define-tool.ts";
import { parametersJsonSchema } from "../tools/registry.ts";
import { type ServerTarget, serverFieldFor } from "../vapi/server-target.ts";

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
    ...serverFieldFor(target, { kind: "tool", budgetMs: tool.budgetMs ?? defaultBudgetMs }),
    ...(messages.length > 0 ? { messages } : {}),
    async: false,
  } as Vapi.CreateFunctionToolDto;
}
