/**
 * JSON Schema in the subset Vapi's API accepts (its `JsonSchema` DTO), generated from zod: the
 * arguments of a tool (`toVapiJsonSchema`, an object at the top) and the result of a structured
 * output (`toVapiJsonSchemaValue`, any of Vapi's six types at the top). One translation for both,
 * so the rules below hold wherever Switchboard hands Vapi a schema.
 */
import { z } from "zod";

/**
 * Vapi's API refuses any keyword its `JsonSchema` does not declare. It declares `type` (one of
 * six, never a list), `items`, `properties`, `required`, `description`, `title`, `pattern`,
 * `enum` (strings) and nine `format`s; the top level (`OpenAIFunctionParameters`) only `type`,
 * `properties` and `required`. Limits zod checks anyway (lengths, ranges, defaults, examples) are
 * moved into the description, so the model still learns them; shapes that cannot be said at all
 * (unions of different types, maps, tuples, `any`, references) are refused with the argument's name.
 */
export function toVapiJsonSchema(generated: Record<string, unknown>): Record<string, unknown> {
  const top = translateNode(generated, "", "argument");
  return { type: "object", properties: top.properties ?? {}, ...(top.required ? { required: top.required } : {}) };
}

/**
 * The JSON schema of a structured output's result (`CreateStructuredOutputDTO.schema`): the same
 * rules as a tool's arguments, but any of Vapi's types at the top (a boolean, an enum, an object).
 * Throws naming the field when the zod schema uses something Vapi's JSON Schema cannot say.
 */
export function toVapiJsonSchemaValue(schema: z.ZodType): Record<string, unknown> {
  return translateNode(z.toJSONSchema(schema, { target: "draft-7", io: "output" }) as Record<string, unknown>, "", "field");
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

function translateNode(node: Node, path: string, noun: "argument" | "field"): Node {
  const name = path === "" ? (noun === "argument" ? "the parameters" : "the schema") : `${noun} "${path}"`;
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
      refuse(`one ${noun} of several types (${type.join(", ")}) cannot be expressed in Vapi's JSON Schema; use one type`);
    type = types[0];
  }
  if (typeof type !== "string") refuse(`every ${noun} needs a type (z.any() and z.unknown() cannot be expressed in Vapi's JSON Schema)`);
  if (!TYPES.has(type as string)) refuse(`type "${String(type)}" is not one Vapi accepts`);
  out.type = type;

  if (source.items !== undefined) {
    if (Array.isArray(source.items)) refuse("tuples cannot be expressed in Vapi's JSON Schema; use an array of one type or an object");
    out.items = translateNode(source.items as Node, `${path}[]`, noun);
  }
  if (source.properties !== undefined) {
    const properties: Node = {};
    for (const [key, child] of Object.entries(source.properties as Record<string, Node>)) {
      properties[key] = translateNode(child, path === "" ? key : `${path}.${key}`, noun);
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
