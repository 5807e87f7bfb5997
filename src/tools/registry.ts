/**
 * The set of tools the app serves, checked once at start: a duplicate name or an invalid
 * definition stops start-up with a message naming the file. Also generates Vapi's tool
 * definitions from the zod schemas, in the subset of JSON Schema Vapi's API accepts.
 */
import { z } from "zod";
import type { SpokenText, ToolDefinition, ToolMessages } from "./define-tool.ts";
import { toVapiJsonSchema } from "./vapi-json-schema.ts";

export { toVapiJsonSchema } from "./vapi-json-schema.ts";

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
  const spoken = checkSpoken(def);
  if (spoken) return `tool "${def.name}": ${spoken}`;
  return undefined;
}

const MESSAGE_KEYS = new Set<keyof ToolMessages>(["start", "delayed", "delayedAfterMs", "complete", "failed"]);
const OPERATORS = new Set(["eq", "neq", "gt", "gte", "lt", "lte"]);
/** Vapi's limit on the words of a tool message. */
const MAX_SPOKEN = 1000;

/** What Vapi would refuse or never say in a tool's messages, as one sentence (or undefined). */
function checkSpoken(def: ToolDefinition): string | undefined {
  const text = (value: unknown, where: string) => checkText(value, where, Object.keys(def.parameters.shape));
  if (def.timeoutMessage !== undefined) {
    const issue = text(def.timeoutMessage, "timeoutMessage");
    if (issue || typeof def.timeoutMessage !== "string") return issue ?? "timeoutMessage must be a sentence";
  }
  const m = def.messages;
  if (m === undefined) return undefined;
  if (typeof m !== "object" || m === null) return "messages must be an object";
  for (const key of Object.keys(m)) {
    if (!MESSAGE_KEYS.has(key as keyof ToolMessages)) return `messages.${key} is not a tool message (${[...MESSAGE_KEYS].join(", ")})`;
  }
  const after = m.delayedAfterMs;
  if (after !== undefined && !(Number.isInteger(after) && after >= 100 && after <= 120_000)) {
    return "messages.delayedAfterMs must be whole milliseconds from 100 to 120000 (Vapi's range)";
  }
  for (const key of ["start", "delayed", "complete", "failed"] as const) {
    const value = m[key];
    if (value === undefined) continue;
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) return `messages.${key} is an empty list`;
    for (const [i, item] of list.entries()) {
      const issue = text(item, Array.isArray(value) ? `messages.${key}[${i}]` : `messages.${key}`);
      if (issue) return issue;
    }
  }
  return undefined;
}

function checkText(value: unknown, where: string, params: readonly string[]): string | undefined {
  const words = (w: unknown, at: string) =>
    typeof w !== "string" || w.trim() === ""
      ? `${at} must be a non-empty sentence`
      : w.length > MAX_SPOKEN
        ? `${at} is ${w.length} characters; Vapi takes at most ${MAX_SPOKEN}`
        : undefined;
  if (typeof value === "string") return words(value, where);
  if (typeof value !== "object" || value === null) return `${where} must be a sentence or { content, contents, conditions }`;
  const v = value as Exclude<SpokenText, string>;
  if (v.content === undefined && v.contents === undefined) return `${where} needs content or contents`;
  if (v.content !== undefined) {
    const issue = words(v.content, `${where}.content`);
    if (issue) return issue;
  }
  if (v.contents !== undefined) {
    const entries = Object.entries(v.contents);
    if (entries.length === 0) return `${where}.contents is empty`;
    for (const [language, w] of entries) {
      if (!/^[a-z]{2,3}$/.test(language)) return `${where}.contents: "${language}" is not a language code such as "en" or "es"`;
      const issue = words(w, `${where}.contents.${language}`);
      if (issue) return issue;
    }
  }
  for (const c of v.conditions ?? []) {
    if (!OPERATORS.has(c.operator)) return `${where}.conditions: operator "${c.operator}" is not one of ${[...OPERATORS].join(", ")}`;
    if (!params.includes(c.param)) return `${where}.conditions: "${c.param}" is not a parameter of the tool`;
    if (typeof c.value !== "string") return `${where}.conditions: the value for "${c.param}" must be a string (Vapi compares strings)`;
  }
  return undefined;
}

/**
 * The JSON schema of a tool's arguments, as Vapi's function tools accept it. Generated once per
 * definition (a per-isolate memo keyed by the immutable definition): every assistant-request
 * carries every tool, and generating the schemas cost more than the rest of the answer.
 * Throws when the zod schema uses something Vapi's JSON Schema cannot say (see `toVapiJsonSchema`).
 */
export function parametersJsonSchema(def: ToolDefinition): Record<string, unknown> {
  let schema = schemas.get(def);
  if (!schema) {
    schema = deepFreeze(toVapiJsonSchema(z.toJSONSchema(def.parameters, { target: "draft-7", io: "input" }) as Record<string, unknown>));
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
