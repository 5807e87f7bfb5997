/**
 * Tools as Vapi sees them: each tool from `tools/` as a function tool pointing back at this
 * server, with the credentials Vapi will present on the tool call. The assistant around them
 * is built from `assistant.config.ts` (see src/assistant/build.ts).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { SpokenText, SpokenTexts, ToolDefinition } from "../tools/define-tool.ts";
import { parametersJsonSchema } from "../tools/registry.ts";
import { type ServerTarget, serverFieldFor } from "../vapi/server-target.ts";

/** Vapi's default wait before a `request-response-delayed` message. */
export const DEFAULT_DELAYED_AFTER_MS = 1500;

/** A tool as an inline Vapi function tool. */
export function toVapiTool(tool: ToolDefinition, target: ServerTarget, defaultBudgetMs: number): Vapi.CreateFunctionToolDto {
  const messages = toolMessages(tool);
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

/**
 * The tool's `messages` as Vapi's tool messages. `complete` and `failed` keep Vapi's default role
 * (assistant: the words are spoken); outcomes the model must act on override `failed` per result
 * (see src/tools/dispatch/answers.ts).
 */
export function toolMessages(tool: ToolDefinition): Vapi.CreateFunctionToolDtoMessagesItem[] {
  const m = tool.messages;
  if (!m) return [];
  const timingMilliseconds = m.delayedAfterMs ?? DEFAULT_DELAYED_AFTER_MS;
  return [
    ...texts(m.start).map((t) => ({ type: "request-start" as const, ...spoken(t), blocking: false })),
    ...texts(m.delayed).map((t) => ({ type: "request-response-delayed" as const, ...spoken(t), timingMilliseconds })),
    ...texts(m.complete).map((t) => ({ type: "request-complete" as const, ...spoken(t) })),
    ...texts(m.failed).map((t) => ({ type: "request-failed" as const, ...spoken(t) })),
  ];
}

function texts(value: SpokenTexts | undefined): readonly SpokenText[] {
  if (value === undefined) return [];
  return typeof value === "string" || !Array.isArray(value) ? [value as SpokenText] : value;
}

/** `content`, `contents` (one TextContent per language, in the order given) and `conditions` of one text. */
function spoken(text: SpokenText): { content?: string; contents?: Vapi.TextContent[]; conditions?: Vapi.Condition[] } {
  if (typeof text === "string") return { content: text };
  const contents = Object.entries(text.contents ?? {}).map(([language, words]) => ({
    type: "text" as const,
    text: words as string,
    language: language as Vapi.TextContentLanguage,
  }));
  return {
    ...(text.content !== undefined ? { content: text.content } : {}),
    ...(contents.length > 0 ? { contents } : {}),
    ...(text.conditions?.length ? { conditions: [...text.conditions] } : {}),
  };
}
