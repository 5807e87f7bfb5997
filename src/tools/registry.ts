/**
 * The set of tools the app serves, checked once at start: a duplicate name or an invalid
 * definition stops start-up with a message naming the file. Also generates Vapi's tool
 * definitions from the zod schemas.
 */
import { z } from "zod";
import type { ToolDefinition } from "./define-tool.ts";

export interface LoadedTool {
  /** Where the definition came from (a file path), for error messages. */
  source: string;
  tool: unknown;
}

export interface ToolRegistry {
  get(name: string): ToolDefinition | undefined;
  list(): readonly ToolDefinition[];
}

export class ToolDefinitionError extends Error {
  override name = "ToolDefinitionError";
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Validates the loaded definitions and indexes them by name. Throws ToolDefinitionError. */
export function createRegistry(loaded: readonly LoadedTool[]): ToolRegistry {
  const byName = new Map<string, { tool: ToolDefinition; source: string }>();
  const problems: string[] = [];
  for (const { source, tool } of loaded) {
    const issue = checkDefinition(tool);
    if (issue) {
      problems.push(`${source}: ${issue}`);
      continue;
    }
    const def = tool as ToolDefinition;
    const existing = byName.get(def.name);
    if (existing) {
      problems.push(`${source}: tool name "${def.name}" is already defined in ${existing.source}`);
      continue;
    }
    byName.set(def.name, { tool: def, source });
  }
  if (problems.length > 0) throw new ToolDefinitionError(`Invalid tools:\n  ${problems.join("\n  ")}`);
  const tools = [...byName.values()].map((v) => v.tool).sort((a, b) => a.name.localeCompare(b.name));
  return { get: (name) => byName.get(name)?.tool, list: () => tools };
}

function checkDefinition(tool: unknown): string | undefined {
  if (typeof tool !== "object" || tool === null || (tool as { kind?: unknown }).kind !== "switchboard-tool") {
    return "the default export must be the result of defineTool({...})";
  }
  const def = tool as ToolDefinition;
  if (typeof def.name !== "string" || !NAME.test(def.name)) {
    return `name ${JSON.stringify(def.name)} must be 1-64 letters, digits, "_" or "-"`;
  }
  if (typeof def.description !== "string" || def.description.trim() === "") return `tool "${def.name}" needs a description`;
  if (!(def.parameters instanceof z.ZodObject)) return `tool "${def.name}": parameters must be a z.object(...)`;
  if (typeof def.handler !== "function") return `tool "${def.name}" needs a handler function`;
  if (def.budgetMs !== undefined && !(Number.isInteger(def.budgetMs) && def.budgetMs > 0 && def.budgetMs <= 300_000)) {
    return `tool "${def.name}": budgetMs must be a positive integer of milliseconds (at most 300000)`;
  }
  try {
    parametersJsonSchema(def);
  } catch (err) {
    return `tool "${def.name}": its parameters cannot be expressed as JSON schema (${(err as Error).message})`;
  }
  return undefined;
}

/**
 * The JSON schema of a tool's arguments, as Vapi's function tools expect it. Generated once per
 * definition (a per-isolate memo keyed by the immutable definition): every assistant-request
 * carries every tool, and generating the schemas cost more than the rest of the answer.
 */
export function parametersJsonSchema(def: ToolDefinition): Record<string, unknown> {
  let schema = schemas.get(def);
  if (!schema) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(def.parameters, { target: "draft-7", io: "input" }) as Record<string, unknown>;
    schema = deepFreeze(rest);
    schemas.set(def, schema);
  }
  return schema;
}

/** Shared between answers, so nobody may change it. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const schemas = new WeakMap<ToolDefinition, Record<string, unknown>>();
