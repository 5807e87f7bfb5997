/**
 * Structured outputs: what Vapi extracts from every call once it has ended (intent, outcome,
 * whether someone must call back, ...), declared in `assistant.config.ts` with zod and handed to
 * Vapi as `CreateStructuredOutputDTO`s. They replace the deprecated `analysisPlan`.
 *
 * Each output is a Vapi object of its own, named `<config name> <key>` ("Switchboard intent"). A
 * stored assistant references them by id (`artifactPlan.structuredOutputIds`, written by
 * `npm run vapi -- apply`); a transient one, served on assistant-request, references the ids it
 * knows (VAPI_STRUCTURED_OUTPUT_IDS) and carries the others inline (`artifactPlan.structuredOutputs`).
 * Either way the end-of-call report brings the results keyed by Vapi's id with the output's name,
 * which maps back to the key the call record stores them under.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { z } from "zod";
import type { OutputNaming } from "../services/calls/call-record.ts";
import { toVapiJsonSchemaValue } from "../tools/vapi-json-schema.ts";

/** One thing Vapi extracts from every call after it ends. */
export interface StructuredOutputConfig {
  /** What to extract, for Vapi's extraction model (and whoever reads the results): a sentence or two. */
  description: string;
  /**
   * The result's shape: z.boolean(), z.enum([...]), z.string(), z.number(), or an object or array
   * of those. `.describe()` texts guide the extraction. Unions of different types, maps and
   * `z.any()` cannot be said in Vapi's JSON Schema and are refused at load.
   */
  schema: z.ZodType;
  /**
   * This output (a string) is the call's summary: stored as the record's `summary` and
   * remembered for the caller's next call. At most one output is.
   */
  summary?: boolean;
}

/** Structured outputs by key: the key names the result in call records and in `GET /api/calls?output.<key>=`. */
export type StructuredOutputs = Readonly<Record<string, StructuredOutputConfig>>;

/** What the functions below need of the assistant configuration. */
export interface OutputsOwner {
  /** The assistant configuration's `name`: the prefix of each output's name in Vapi. */
  name: string;
  structuredOutputs?: StructuredOutputs | undefined;
}

/** Vapi's limit on a structured output's name. */
export const MAX_STRUCTURED_OUTPUT_NAME = 40;
/** Keys: a JavaScript-style identifier, so `output.<key>` reads plainly in a URL. */
const KEY = /^[a-zA-Z][a-zA-Z0-9_]{0,39}$/;

/** The name of an output in Vapi, e.g. "Switchboard followUpNeeded". */
export function structuredOutputName(owner: Pick<OutputsOwner, "name">, key: string): string {
  return `${owner.name} ${key}`;
}

/** The keys of the configured outputs, in declaration order. */
export function structuredOutputKeys(owner: OutputsOwner): string[] {
  return Object.keys(owner.structuredOutputs ?? {});
}

/** What is wrong with the structured outputs, one sentence each (empty: nothing). */
export function structuredOutputProblems(owner: OutputsOwner): string[] {
  const problems: string[] = [];
  const summaries: string[] = [];
  for (const [key, output] of Object.entries(owner.structuredOutputs ?? {})) {
    const at = `structuredOutputs.${key}`;
    if (!KEY.test(key)) problems.push(`${at}: the key must be letters, digits and "_", starting with a letter`);
    const name = structuredOutputName(owner, key);
    if (name.length > MAX_STRUCTURED_OUTPUT_NAME) {
      problems.push(`${at}: "${name}" is longer than Vapi's ${MAX_STRUCTURED_OUTPUT_NAME} characters for a structured output's name`);
    }
    if (typeof output.description !== "string" || output.description.trim() === "") problems.push(`${at}: needs a description`);
    let schema: Record<string, unknown> | undefined;
    try {
      schema = resultSchema(output);
    } catch (err) {
      problems.push(`${at}: ${(err as Error).message}`);
    }
    if (output.summary) {
      summaries.push(key);
      if (schema && schema.type !== "string") problems.push(`${at}: a summary must be a string (z.string())`);
    }
  }
  if (summaries.length > 1) problems.push(`structuredOutputs: only one output can be the summary (${summaries.join(", ")} are)`);
  return problems;
}

/** The JSON schema of an output's result, as Vapi's `JsonSchema` takes it; generated once per output. */
export function resultSchema(output: StructuredOutputConfig): Record<string, unknown> {
  let schema = schemas.get(output);
  if (!schema) {
    schema = toVapiJsonSchemaValue(output.schema);
    schemas.set(output, schema);
  }
  return schema;
}
const schemas = new WeakMap<StructuredOutputConfig, Record<string, unknown>>();

/** One output as `POST /structured-output` (and an assistant's inline `artifactPlan.structuredOutputs`) takes it. */
export function structuredOutputBody(owner: OutputsOwner, key: string): Vapi.CreateStructuredOutputDto {
  const output = owner.structuredOutputs?.[key];
  if (!output) throw new Error(`No structured output "${key}" in assistant.config.ts`);
  return {
    name: structuredOutputName(owner, key),
    type: "ai",
    description: output.description,
    schema: resultSchema(output) as unknown as Vapi.JsonSchema,
  };
}

/**
 * The assistant's artifact plan with its structured outputs: by id where `ids` has the key,
 * inline (transient) otherwise. No outputs configured: the plan as it was.
 */
export function withStructuredOutputs(
  plan: Vapi.ArtifactPlan | undefined,
  owner: OutputsOwner,
  ids: Readonly<Record<string, string>> = {},
): Vapi.ArtifactPlan | undefined {
  const keys = structuredOutputKeys(owner);
  if (keys.length === 0) return plan;
  const byId = keys.filter((k) => Object.hasOwn(ids, k));
  const inline = keys.filter((k) => !Object.hasOwn(ids, k));
  return {
    ...plan,
    ...(byId.length > 0 ? { structuredOutputIds: byId.map((k) => ids[k]!) } : {}),
    ...(inline.length > 0 ? { structuredOutputs: inline.map((k) => structuredOutputBody(owner, k)) } : {}),
  };
}

/** The naming of this configuration's outputs. */
export function outputNaming(owner: OutputsOwner): OutputNaming {
  const byName = new Map(structuredOutputKeys(owner).map((k) => [structuredOutputName(owner, k), k]));
  const summaryKey = Object.entries(owner.structuredOutputs ?? {}).find(([, o]) => o.summary)?.[0];
  return { keyOf: (name) => byName.get(name), ...(summaryKey ? { summaryKey } : {}) };
}

/** A filter on structured outputs: the containment value it means, or what is wrong with it. */
export type OutputFilter = { ok: true; value: Record<string, unknown> } | { ok: false; message: string };

/**
 * Query parameters `output.<key>=<value>` (`output.<key>.<field>=` into an object) as one jsonb
 * containment value, each value read by the output's declared type: `true`/`false` for booleans,
 * a number for numbers, one of the values for enums; for an array, a value it includes. Every
 * parameter must hold. Parameters not starting with `output.` are ignored.
 */
export function outputFilter(owner: OutputsOwner, params: Readonly<Record<string, readonly string[]>>): OutputFilter {
  const value: Record<string, unknown> = {};
  const keys = structuredOutputKeys(owner);
  for (const [param, values] of Object.entries(params)) {
    if (!param.startsWith("output.")) continue;
    const [key = "", ...path] = param.slice("output.".length).split(".");
    const output = Object.hasOwn(owner.structuredOutputs ?? {}, key) ? owner.structuredOutputs?.[key] : undefined;
    if (!output) return { ok: false, message: `${param}: no structured output "${key}" (declared: ${keys.join(", ") || "none"})` };
    let node: Record<string, unknown> = resultSchema(output);
    for (const field of path) {
      const child = (node.properties as Record<string, Record<string, unknown>> | undefined)?.[field];
      if (node.type !== "object" || !child || !Object.hasOwn(node.properties as object, field)) {
        return { ok: false, message: `${param}: "${field}" is not a field of that output` };
      }
      node = child;
    }
    for (const raw of values) {
      // No stored text holds a NUL (Postgres refuses one in jsonb): asking for it is a bad request.
      if (raw.includes("\u0000")) return { ok: false, message: `${param}: must not contain NUL characters` };
      const read = leafValue(node, raw);
      if ("error" in read) return { ok: false, message: `${param}: ${read.error}` };
      if (!merge(value, [key, ...path], read.value)) return { ok: false, message: `${param}: given twice with different values` };
    }
  }
  return { ok: true, value };
}

function leafValue(node: Record<string, unknown>, raw: string): { value: unknown } | { error: string } {
  if (node.type === "array") {
    const item = leafValue((node.items as Record<string, unknown> | undefined) ?? {}, raw);
    return "error" in item ? item : { value: [item.value] };
  }
  if (node.type === "boolean") return raw === "true" || raw === "false" ? { value: raw === "true" } : { error: "must be true or false" };
  if (node.type === "number" || node.type === "integer") {
    const n = raw.trim() === "" ? Number.NaN : Number(raw);
    return Number.isFinite(n) ? { value: n } : { error: "must be a number" };
  }
  if (node.type === "string") {
    const allowed = node.enum as string[] | undefined;
    return allowed && !allowed.includes(raw) ? { error: `must be one of ${allowed.join(", ")}` } : { value: raw };
  }
  return { error: "is an object: filter on one of its fields (output.<key>.<field>=...)" };
}

/** Puts `leaf` at `path` inside `target`; arrays at the same place collect their values. False: another value is there. */
function merge(target: Record<string, unknown>, path: readonly string[], leaf: unknown): boolean {
  let at = target;
  for (const segment of path.slice(0, -1)) {
    const next = Object.hasOwn(at, segment) ? at[segment] : undefined;
    if (typeof next !== "object" || next === null) Object.defineProperty(at, segment, { value: {}, ...PLAIN });
    at = at[segment] as Record<string, unknown>;
  }
  const last = path.at(-1)!;
  const existing = Object.hasOwn(at, last) ? at[last] : undefined;
  if (existing !== undefined && !Array.isArray(existing) && existing !== leaf) return false;
  const value = Array.isArray(existing) && Array.isArray(leaf) ? [...existing, ...leaf] : leaf;
  Object.defineProperty(at, last, { value, ...PLAIN });
  return true;
}
const PLAIN = { enumerable: true, writable: true, configurable: true } as const;
