/**
 * The set of tools the app serves, checked once at start: a duplicate name or an invalid
 * definition stops start-up with a message naming the file. Also generates Vapi's tool
 * definitions from the zod schemas, in the subset of JSON Schema Vapi's API accepts.
 */
import { z } from "zod";
import type { SpokenText, ToolDefinition, ToolMessages } from "./define-tool.ts";

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

/**
 * Vapi's API refuses any keyword its `JsonSchema` does not declare. It declares `type` (one of
 * six, never a list), `items`, `properties`, `required`, `description`, `title`, `pattern`,
 * `enum` (strings) and nine `format`s; the top level (`OpenAIFunctionParameters`) only `type`,
 * `properties` and `required`. Limits zod checks anyway (lengths, ranges, defaults, examples) are
 * moved into the description, so the model still learns them; shapes that cannot be said at all
 * (unions of different types, maps, tuples, `any`, references) are refused with the argument's name.
 */
export function toVapiJsonSchema(generated: Record<string, unknown>): Record<string, unknown> {
  const top = translateNode(generated, "");
  return { type: "object", properties: top.properties ?? {}, ...(top.required ? { required: top.required } : {}) };
}

const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);
const FORMATS = new Set(["date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"]);
/** Keywords that only describe (zod checks them): they become words in the description. */
const NOTED = new Set([
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "default",
  "examples",
]);
/** Keywords with nothing to say to the model: dropped. */
const DROPPED = new Set(["$schema", "additionalItems"]);

type Node = Record<string, unknown>;

function translateNode(node: Node, path: string): Node {
  const name = path === "" ? "the parameters" : `argument "${path}"`;
  const refuse = (why: string): never => {
    throw new Error(`${name}: ${why}`);
  };
  let source = node;
  if (Array.isArray(node.anyOf)) source = fromAnyOf(node, refuse);
  const isMap = "propertyNames" in source || "patternProperties" in source || typeof source.additionalProperties === "object";
  if (isMap) refuse("maps (z.record) cannot be expressed in Vapi's JSON Schema; use named fields or an array");
  for (const key of ["oneOf", "allOf", "not", "$ref", "$defs", "definitions", "prefixItems", "if"]) {
    if (key in source) refuse(`"${key}" (${describeKeyword(key)}) cannot be expressed in Vapi's JSON Schema`);
  }
  const out: Node = {};
  const notes: string[] = [];
  let type = source.type;
  if (Array.isArray(type)) {
    const types = type.filter((t) => t !== "null");
    // Nullable: the model sends the value (zod still accepts null).
    if (types.length !== 1)
      refuse(`one argument of several types (${type.join(", ")}) cannot be expressed in Vapi's JSON Schema; use one type`);
    type = types[0];
  }
  if (typeof type !== "string") refuse("every argument needs a type (z.any() and z.unknown() cannot be expressed in Vapi's JSON Schema)");
  if (!TYPES.has(type as string)) refuse(`type "${String(type)}" is not one Vapi accepts`);
  out.type = type;

  if (source.items !== undefined) {
    if (Array.isArray(source.items)) refuse("tuples cannot be expressed in Vapi's JSON Schema; use an array of one type or an object");
    out.items = translateNode(source.items as Node, `${path}[]`);
  }
  if (source.properties !== undefined) {
    const properties: Node = {};
    for (const [key, child] of Object.entries(source.properties as Record<string, Node>)) {
      properties[key] = translateNode(child, path === "" ? key : `${path}.${key}`);
    }
    out.properties = properties;
  }
  if (Array.isArray(source.required) && source.required.length > 0) out.required = [...source.required];
  if (typeof source.title === "string") out.title = source.title;
  if (typeof source.pattern === "string") out.pattern = source.pattern;
  if (typeof source.format === "string") {
    if (FORMATS.has(source.format)) out.format = source.format;
    else if (out.pattern === undefined) notes.push(`format: ${source.format}`);
  }
  const values = Array.isArray(source.enum) ? source.enum : "const" in source ? [source.const] : undefined;
  if (values) {
    if (values.every((v) => typeof v === "string")) out.enum = [...values];
    else
      notes.push(values.length === 1 ? `always ${JSON.stringify(values[0])}` : `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`);
  }
  notes.push(...limits(source));
  const known = new Set([
    ...NOTED,
    ...DROPPED,
    "type",
    "items",
    "properties",
    "required",
    "additionalProperties",
    "title",
    "pattern",
    "format",
  ]);
  for (const key of ["enum", "const", "description", "anyOf"]) known.add(key);
  for (const key of Object.keys(source)) if (!known.has(key)) refuse(`"${key}" cannot be expressed in Vapi's JSON Schema`);

  const description =
    typeof source.description === "string" ? source.description : typeof node.description === "string" ? node.description : "";
  const text = description && notes.length > 0 ? `${description} (${notes.join("; ")})` : description || notes.join("; ");
  if (text) out.description = text;
  return out;
}

/** `X | null` becomes X; a union of string literals becomes an enum; anything else cannot be said. */
function fromAnyOf(node: Node, refuse: (why: string) => never): Node {
  const options = (node.anyOf as Node[]).filter((o) => o.type !== "null");
  const { anyOf: _anyOf, ...rest } = node;
  if (options.length === 1) return { ...options[0], ...rest };
  if (options.every((o) => "const" in o && o.type === options[0]?.type)) {
    return { ...rest, type: options[0]?.type, enum: options.map((o) => o.const) };
  }
  return refuse(
    "a union of different shapes (z.union, z.discriminatedUnion) cannot be expressed in Vapi's JSON Schema; use one object with optional fields",
  );
}

function describeKeyword(key: string): string {
  if (key === "oneOf" || key === "allOf") return "a union or intersection";
  if (key === "$ref" || key === "$defs" || key === "definitions") return "a reused or recursive schema";
  return "a schema combinator";
}

/** The limits zod enforces, in words: "1 to 64 characters", "at most 5", "default 1". */
function limits(s: Node): string[] {
  const n = (key: string) =>
    typeof s[key] === "number" && Math.abs(s[key] as number) < Number.MAX_SAFE_INTEGER ? (s[key] as number) : undefined;
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    const u = unit ? ` ${unit}` : "";
    if (min !== undefined && max !== undefined) return min === max ? `exactly ${min}${u}` : `${min} to ${max}${u}`;
    if (min !== undefined) return `at least ${min}${u}`;
    if (max !== undefined) return `at most ${max}${u}`;
    return undefined;
  };
  const out = [
    range(n("minLength"), n("maxLength"), "characters"),
    range(n("minimum"), n("maximum"), ""),
    n("exclusiveMinimum") !== undefined ? `more than ${n("exclusiveMinimum")}` : undefined,
    n("exclusiveMaximum") !== undefined ? `less than ${n("exclusiveMaximum")}` : undefined,
    n("multipleOf") !== undefined ? `a multiple of ${n("multipleOf")}` : undefined,
    range(n("minItems"), n("maxItems"), "items"),
    s.uniqueItems === true ? "no duplicates" : undefined,
    "default" in s ? `default ${JSON.stringify(s.default)}` : undefined,
    Array.isArray(s.examples) && s.examples.length > 0 ? `e.g. ${s.examples.map((e) => JSON.stringify(e)).join(", ")}` : undefined,
  ];
  return out.filter((x): x is string => x !== undefined);
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
