/**
 * Validates what Switchboard sends to Vapi against Vapi's own published OpenAPI document, the way
 * Vapi's API treats it: a property a DTO does not declare is refused ("property X should not
 * exist"). Usage:
 *
 *   const result = validateVapi("CreateAssistantDTO", assistant);
 *   expect(result.errors).toEqual([]);            // or: assertVapi("CreateAssistantDTO", assistant)
 *
 * The OpenAPI 3.0 document is turned once into plain JSON Schema (draft-07) for ajv:
 * - `#/components/schemas/X` references resolve inside the document; siblings of `$ref` are
 *   ignored, as OpenAPI 3.0 says.
 * - Every schema that declares `properties` refuses other properties (`additionalProperties:
 *   false`) unless it declares `additionalProperties` itself.
 * - `nullable: true` admits null; `example`/`examples` are dropped; formats (uri, uuid, date-time)
 *   are checked, `binary` is not.
 * - `oneOf` with a `discriminator`, or whose alternatives all pin one property to constants (Vapi's
 *   `provider`/`type` unions), is checked by that property: only the alternative the value names is
 *   validated, so the errors are the ones that matter. Other `oneOf`s are checked as `anyOf` (Vapi
 *   picks the first class that fits; a value fitting two alternatives is not an error there), and a
 *   failure reports the closest alternative.
 * - `deprecated: true` properties that are used come back as warnings.
 * - Known mistakes of the generated document are corrected (`quirks()` lists each with its path):
 *   patterns written as JavaScript literals (`"/^[a-z]$/"`), `enum` put on an array instead of its
 *   items, and `type: "object"` on values that are strings or numbers (BackoffPlan.type,
 *   BackoffPlan.excludedStatusCodes, ...). `{ literal: true }` turns the corrections off, and checks
 *   undiscriminated `oneOf`s as `oneOf`.
 *
 * The document is read from VAPI_OPENAPI_PATH, else the vendored copy in test/fixtures/vapi/
 * (provenance in its README; `npm run vapi:openapi` refreshes it).
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

type Node = Record<string, unknown>;

export interface VapiSchemaIssue {
  /** JSON pointer into the validated value ("" is the value itself). */
  path: string;
  /** The JSON Schema keyword that failed (additionalProperties, type, enum, required, ...). */
  keyword: string;
  /** Readable message, e.g. `property "silenceTimeoutSeconds" should not exist`. */
  message: string;
  /** Where in the schema (after conversion), for debugging. */
  schemaPath: string;
}

export interface VapiValidationResult {
  ok: boolean;
  errors: VapiSchemaIssue[];
  /** Properties that are present and marked deprecated in the document. */
  warnings: VapiSchemaIssue[];
}

export interface VapiValidatorOptions {
  /** The OpenAPI document (parsed); default: read from `path`. */
  document?: Node;
  /** Where to read the document; default: see the module comment. */
  path?: string;
  /** Validate the document as written: no quirk corrections, undiscriminated `oneOf` stays `oneOf`. */
  literal?: boolean;
}

export interface VapiValidator {
  /**
   * `schemaName` is a components.schemas name ("CreateAssistantDTO"), or an operation's JSON
   * request body as "METHOD /path" ("PATCH /phone-number/{id}", "POST /tool").
   */
  validate(schemaName: string, value: unknown): VapiValidationResult;
  /** Throws an Error listing every issue. */
  assert(schemaName: string, value: unknown): void;
  /** Every name under components.schemas. */
  schemaNames(): string[];
  /** Every operation with a JSON request body, as "METHOD /path". */
  requestNames(): string[];
  /** The converted JSON Schema of one component (for inspection). */
  jsonSchema(schemaName: string): Node;
  /** The corrections applied to the document, with their paths. */
  quirks(): readonly string[];
}

const SCHEMA_ID = "vapi-openapi.json";
const REF_PREFIX = "#/components/schemas/";

/** The default document location (see the module comment). */
export function defaultVapiOpenApiPath(): string {
  const fromEnv = process.env.VAPI_OPENAPI_PATH;
  if (fromEnv) return fromEnv;
  const vendored = fileURLToPath(new URL("../fixtures/vapi/openapi.json", import.meta.url));
  if (!existsSync(vendored)) throw new Error(`Vapi's OpenAPI document was not found at ${vendored}; run npm run vapi:openapi.`);
  return vendored;
}

export function createVapiValidator(options: VapiValidatorOptions = {}): VapiValidator {
  const document = options.document ?? (JSON.parse(readFileSync(options.path ?? defaultVapiOpenApiPath(), "utf8")) as Node);
  const components = (document.components as Node | undefined)?.schemas as Record<string, Node> | undefined;
  if (!components) throw new Error("not an OpenAPI 3 document: components.schemas is missing");
  const converter = new Converter(components, options.literal === true);
  const definitions: Record<string, Node> = {};
  for (const [name, schema] of Object.entries(components)) definitions[name] = converter.convert(schema, name);
  // Request bodies of the operations ("PATCH /phone-number/{id}"), most of them inline unions.
  const requests = new Map<string, string>();
  for (const [route, item] of Object.entries((document.paths as Record<string, Record<string, Node>> | undefined) ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const schema = ((operation?.requestBody as Node | undefined)?.content as Record<string, Node> | undefined)?.["application/json"]
        ?.schema;
      if (!schema) continue;
      const key = `${method.toUpperCase()} ${route}`;
      const name = `request:${key.replace(/[^A-Za-z0-9:-]+/g, "_")}`;
      requests.set(key, name);
      definitions[name] = converter.convert(schema, `paths/${route}/${method}/requestBody`);
    }
  }

  // Deprecated properties in use, collected by a keyword that never fails.
  let deprecations: VapiSchemaIssue[] = [];
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strictSchema: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    allowMatchingProperties: true,
    inlineRefs: false,
    messages: true,
  });
  addFormats(ajv, ["uri", "uuid", "date-time", "date", "time", "email"]);
  ajv.addFormat("binary", true);
  ajv.addKeyword({
    keyword: "vapiDeprecated",
    schemaType: "string",
    errors: false,
    validate: (schemaPath: string, _data: unknown, _parent: unknown, cxt?: { instancePath: string }) => {
      deprecations.push({ path: cxt?.instancePath ?? "", keyword: "deprecated", message: `deprecated (${schemaPath})`, schemaPath });
      return true;
    },
  });
  ajv.addSchema({ $id: SCHEMA_ID, definitions }, SCHEMA_ID);

  const compiled = new Map<string, ValidateFunction>();
  const byName = (name: string): ValidateFunction => {
    let fn = compiled.get(name);
    if (!fn) {
      if (!(name in definitions)) throw new Error(`no schema "${name}" in components.schemas`);
      fn = ajv.getSchema(`${SCHEMA_ID}#/definitions/${escapePointer(name)}`);
      if (!fn) throw new Error(`schema "${name}" did not compile`);
      compiled.set(name, fn);
    }
    return fn;
  };
  const bySchema = new WeakMap<object, ValidateFunction>();
  const forSubschema = (schema: Node): ValidateFunction => {
    let fn = bySchema.get(schema);
    if (!fn) {
      fn = ajv.compile(schema);
      bySchema.set(schema, fn);
    }
    return fn;
  };

  /** Runs `fn`, and narrows each failed undiscriminated union to its closest alternative. */
  const run = (fn: ValidateFunction, value: unknown): ErrorObject[] => {
    if (fn(value)) return [];
    const raw = [...(fn.errors ?? [])];
    const unions = raw
      .filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf")
      .sort((a, b) => a.instancePath.length - b.instancePath.length);
    let errors = raw;
    const handled: string[] = [];
    for (const union of unions) {
      const at = union.instancePath;
      if (handled.some((h) => at === h || at.startsWith(`${h}/`))) continue;
      const branches = union.schema as Node[] | undefined;
      if (!Array.isArray(branches)) continue;
      if (union.keyword === "oneOf" && (union.params as { passingSchemas?: unknown }).passingSchemas) continue; // matched several: keep as is
      handled.push(at);
      const data = union.data;
      let best: ErrorObject[] | undefined;
      let bestIndex = 0;
      const seen = deprecations.length; // the first pass already recorded what these re-runs would
      branches.forEach((branch, i) => {
        const errs = run(forSubschema(branch), data);
        if (!best || score(errs) < score(best)) {
          best = errs;
          bestIndex = i;
        }
      });
      deprecations.length = seen;
      const under = (e: ErrorObject) => e.instancePath === at || e.instancePath.startsWith(`${at}/`);
      const label = alternativeLabel(branches[bestIndex]!, bestIndex);
      errors = [
        ...errors.filter((e) => !under(e)),
        ...(best ?? []).map((e) => ({
          ...e,
          instancePath: at + e.instancePath,
          schemaPath: `${union.schemaPath}/${bestIndex}${e.schemaPath.slice(1)}`,
        })),
        {
          ...union,
          message: `matches none of the ${branches.length} alternatives; closest is ${label} (its errors are listed)`,
        },
      ];
    }
    return errors;
  };

  const validate = (schemaName: string, value: unknown): VapiValidationResult => {
    const request = requests.get(schemaName);
    const fn = byName(request ?? schemaName);
    deprecations = [];
    const errors = dedupe(
      run(fn, value)
        .filter((e) => e.keyword !== "if")
        .map(toIssue),
    );
    const warnings = dedupe(deprecations);
    deprecations = [];
    return { ok: errors.length === 0, errors, warnings };
  };

  return {
    validate,
    assert(schemaName, value) {
      const { errors } = validate(schemaName, value);
      if (errors.length > 0) throw new Error(`Not a valid ${schemaName}:\n${formatVapiIssues(errors)}`);
    },
    schemaNames: () => Object.keys(components),
    requestNames: () => [...requests.keys()],
    jsonSchema: (name) => {
      const schema = definitions[requests.get(name) ?? name];
      if (!schema) throw new Error(`no schema "${name}" in components.schemas`);
      return schema;
    },
    quirks: () => converter.quirks,
  };
}

/** One line per issue: `/model/tools/0/function/parameters/properties/id: property "minLength" should not exist`. */
export function formatVapiIssues(issues: readonly VapiSchemaIssue[]): string {
  return issues.map((i) => `  ${i.path || "(root)"}: ${i.message}`).join("\n");
}

let shared: VapiValidator | undefined;

/** The validator over the default document, built on first use and kept for the process. */
export function vapiValidator(): VapiValidator {
  shared ??= createVapiValidator();
  return shared;
}

export function validateVapi(schemaName: string, value: unknown): VapiValidationResult {
  return vapiValidator().validate(schemaName, value);
}

export function assertVapi(schemaName: string, value: unknown): void {
  vapiValidator().assert(schemaName, value);
}

// ---------------------------------------------------------------------------------------------
// Errors

function toIssue(e: ErrorObject): VapiSchemaIssue {
  const params = e.params as Record<string, unknown>;
  let message = e.message ?? e.keyword;
  switch (e.keyword) {
    case "additionalProperties":
      message = `property "${String(params.additionalProperty)}" should not exist`;
      break;
    case "required":
      message = `property "${String(params.missingProperty)}" is required`;
      break;
    case "enum":
      message = `must be one of ${JSON.stringify(params.allowedValues)} (got ${JSON.stringify(e.data)})`;
      break;
    case "type":
      message = `must be ${String(params.type)} (got ${JSON.stringify(e.data)?.slice(0, 80)})`;
      break;
    case "format":
      message = `must match format "${String(params.format)}" (got ${JSON.stringify(e.data)?.slice(0, 80)})`;
      break;
    case "maximum":
    case "minimum":
    case "exclusiveMaximum":
    case "exclusiveMinimum":
    case "maxLength":
    case "minLength":
    case "maxItems":
    case "minItems":
      message = `${e.message} (got ${JSON.stringify(e.data)?.slice(0, 80)})`;
      break;
  }
  return { path: e.instancePath, keyword: e.keyword, message, schemaPath: e.schemaPath };
}

function dedupe(issues: VapiSchemaIssue[]): VapiSchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.keyword}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Fewer errors wins; an alternative whose type does not even fit counts as worst. */
function score(errors: readonly ErrorObject[]): number {
  const typeMiss = errors.some((e) => e.instancePath === "" && (e.keyword === "type" || e.keyword === "enum" || e.keyword === "const"));
  return (typeMiss ? 1000 : 0) + errors.length;
}

function alternativeLabel(branch: Node, index: number): string {
  const ref = typeof branch.$ref === "string" ? branch.$ref.split("/").pop() : undefined;
  if (ref) return ref;
  if (typeof branch.type === "string") return `#${index} (${branch.type})`;
  return `#${index}`;
}

function escapePointer(s: string): string {
  return s.replace(/~/g, "~0").replace(/\//g, "~1");
}

// ---------------------------------------------------------------------------------------------
// OpenAPI 3.0 -> JSON Schema draft-07

/** Keywords kept as they are (no subschemas). */
const PLAIN = new Set([
  "type",
  "const",
  "required",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "format",
  "default",
  "title",
  "description",
  "readOnly",
  "writeOnly",
]);
/** Annotations dropped (OpenAPI-only, or not needed to validate). */
const DROPPED = new Set(["example", "examples", "externalDocs", "xml", "discriminator", "nullable", "deprecated"]);

class Converter {
  readonly quirks: string[] = [];

  constructor(
    private readonly components: Record<string, Node>,
    private readonly literal: boolean,
  ) {}

  convert(schema: unknown, path: string): Node {
    if (typeof schema === "boolean") return schema as unknown as Node;
    if (!schema || typeof schema !== "object") throw new Error(`${path}: a schema must be an object`);
    const s = schema as Node;
    let out: Node;
    if (typeof s.$ref === "string") {
      out = { $ref: this.ref(s.$ref, path) };
    } else {
      out = this.convertObject(s, path);
    }
    if (s.nullable === true) out = nullable(out);
    if (s.deprecated === true) out = "$ref" in out ? { allOf: [out], vapiDeprecated: path } : { ...out, vapiDeprecated: path };
    return out;
  }

  private ref(ref: string, path: string): string {
    if (!ref.startsWith(REF_PREFIX)) throw new Error(`${path}: unsupported $ref ${ref}`);
    const name = ref.slice(REF_PREFIX.length);
    if (!(name in this.components)) throw new Error(`${path}: $ref to a missing schema ${name}`);
    return `${SCHEMA_ID}#/definitions/${escapePointer(name)}`;
  }

  private convertObject(s: Node, path: string): Node {
    const out: Node = {};
    for (const [key, value] of Object.entries(s)) {
      if (DROPPED.has(key)) continue;
      if (key === "enum") {
        const values = this.enumValues(value, `${path}/enum`);
        if (values) out.enum = values;
      } else if (PLAIN.has(key)) out[key] = value;
      else if (key === "pattern") {
        const pattern = this.pattern(value, `${path}/pattern`);
        if (pattern !== undefined) out.pattern = pattern;
      } else if (key === "properties") {
        const props: Record<string, Node> = {};
        for (const [name, sub] of Object.entries(value as Record<string, unknown>))
          props[name] = this.convert(sub, `${path}/properties/${name}`);
        out.properties = props;
      } else if (key === "additionalProperties") {
        out.additionalProperties = typeof value === "boolean" ? value : this.convert(value, `${path}/additionalProperties`);
      } else if (key === "items") {
        out.items = Array.isArray(value)
          ? value.map((v, i) => this.convert(v, `${path}/items/${i}`))
          : this.convert(value, `${path}/items`);
      } else if (key === "allOf" || key === "anyOf") {
        const converted = (value as unknown[]).map((v, i) => this.convert(v, `${path}/${key}/${i}`));
        out[key] = [...((out[key] as Node[] | undefined) ?? []), ...converted];
      } else if (key === "not") {
        out.not = this.convert(value, `${path}/not`);
      } else if (key === "oneOf") {
        // A discriminated union becomes an allOf of if/then rules; it may sit beside an allOf.
        for (const [k, v] of Object.entries(this.union(s, path))) {
          out[k] = k === "allOf" ? [...((out.allOf as Node[] | undefined) ?? []), ...(v as Node[])] : v;
        }
      } else if (key.startsWith("x-")) {
        // vendor extensions: annotations
      } else {
        throw new Error(`${path}: unsupported keyword "${key}"`);
      }
    }
    if ("properties" in s && !("additionalProperties" in s)) out.additionalProperties = false;
    if (!this.literal) this.fixQuirks(s, out, path);
    return out;
  }

  /** Enums as JSON Schema allows them: without duplicates, and never empty (an empty one is dropped). */
  private enumValues(value: unknown, path: string): unknown[] | undefined {
    if (!Array.isArray(value)) throw new Error(`${path}: enum must be an array`);
    if (value.length === 0) {
      this.quirks.push(`${path}: empty enum; not checked`);
      return undefined;
    }
    const unique = [...new Map(value.map((v) => [JSON.stringify(v), v])).values()];
    if (unique.length < value.length) this.quirks.push(`${path}: enum lists ${value.length - unique.length} value(s) twice`);
    return unique;
  }

  /** Patterns as JSON Schema wants them: the source of a regex, checked to compile. */
  private pattern(value: unknown, path: string): string | undefined {
    if (typeof value !== "string") return undefined;
    let source = value;
    const literal = /^\/(.*)\/([a-z]*)$/s.exec(value);
    if (literal && !this.literal) {
      source = literal[1]!;
      this.quirks.push(`${path}: pattern written as a JavaScript regex literal ${value}; checked as ${source}`);
    }
    if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(source) && !this.literal) {
      this.quirks.push(`${path}: pattern ${JSON.stringify(value)} is a constant's name, not a regular expression; not checked`);
      return undefined;
    }
    try {
      new RegExp(source, "u");
    } catch {
      this.quirks.push(`${path}: pattern ${JSON.stringify(value)} is not a regular expression; not checked`);
      return undefined;
    }
    return source;
  }

  /**
   * A `oneOf`. Discriminated (explicitly, or because every alternative pins the same property to
   * constants): each alternative applies only when the value names it. Otherwise `anyOf`.
   */
  private union(s: Node, path: string): Node {
    const branches = (s.oneOf as unknown[]).map((b, i) => this.convert(b, `${path}/oneOf/${i}`));
    const discriminator = s.discriminator as { propertyName?: string; mapping?: Record<string, string> } | undefined;
    const found = this.discriminate(s.oneOf as Node[], discriminator);
    if (!found) return this.literal ? { oneOf: branches } : { anyOf: branches };
    const { property, values } = found;
    const byValue = new Map<string, number[]>();
    values.forEach((vals, i) => {
      for (const v of vals) byValue.set(v, [...(byValue.get(v) ?? []), i]);
    });
    const all = [...byValue.keys()];
    const rules: Node[] = [...byValue].map(([value, idx]) => ({
      if: { type: "object", properties: { [property]: { const: value } }, required: [property] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then
      then: idx.length === 1 ? branches[idx[0]!]! : { anyOf: idx.map((i) => branches[i]!) },
    }));
    const optional = values.map((_, i) => i).filter((i) => !this.requires(s.oneOf as Node[], i, property));
    rules.push({
      if: { type: "object", required: [property] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then
      then: { properties: { [property]: { enum: all } } },
      else:
        optional.length === 0
          ? { type: "object", required: [property] }
          : optional.length === 1
            ? branches[optional[0]!]!
            : { anyOf: optional.map((i) => branches[i]!) },
    });
    return { allOf: rules };
  }

  /** The property that tells the alternatives apart, with each alternative's values. */
  private discriminate(
    oneOf: Node[],
    discriminator: { propertyName?: string; mapping?: Record<string, string> } | undefined,
  ): { property: string; values: string[][] } | undefined {
    const resolved = oneOf.map((b) => this.resolve(b));
    const candidates = discriminator?.propertyName
      ? [discriminator.propertyName]
      : oneOf.length < 2
        ? []
        : ["type", "provider", ...new Set(resolved.flatMap((r) => Object.keys((r?.properties as Node | undefined) ?? {})))];
    let best: { property: string; values: string[][]; distinct: number } | undefined;
    for (const property of candidates) {
      const values = resolved.map((r, i) => {
        const fromMapping = discriminator?.mapping
          ? Object.entries(discriminator.mapping)
              .filter(([, ref]) => ref === oneOf[i]?.$ref)
              .map(([v]) => v)
          : [];
        if (fromMapping.length > 0) return fromMapping;
        const prop = this.resolve((r?.properties as Node | undefined)?.[property] as Node | undefined);
        const e = prop?.enum;
        return Array.isArray(e) && e.length > 0 && e.every((v) => typeof v === "string") ? (e as string[]) : undefined;
      });
      if (!values.every((v): v is string[] => v !== undefined)) continue;
      const distinct = new Set(values.flat()).size;
      if (!best || distinct > best.distinct) best = { property, values, distinct };
    }
    if (best && (best.distinct > 1 || oneOf.length === 1 || discriminator)) return { property: best.property, values: best.values };
    return undefined;
  }

  private requires(oneOf: Node[], index: number, property: string): boolean {
    const r = this.resolve(oneOf[index]);
    return Array.isArray(r?.required) && (r.required as string[]).includes(property);
  }

  /** Follows `$ref` and single-`allOf` wrappers to the schema that declares the shape. */
  private resolve(schema: Node | undefined): Node | undefined {
    let s = schema;
    for (let hops = 0; s && hops < 10; hops++) {
      if (typeof s.$ref === "string") s = this.components[s.$ref.slice(REF_PREFIX.length)];
      else if (!s.properties && Array.isArray(s.allOf) && s.allOf.length === 1) s = s.allOf[0] as Node;
      else break;
    }
    return s;
  }

  /** Corrections for mistakes of the generated document (each recorded in `quirks`). */
  private fixQuirks(s: Node, out: Node, path: string): void {
    const isObjectValue = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    // `type: array` with `enum` (class-validator's `each: true`): the enum is for the items.
    if (s.type === "array" && Array.isArray(s.enum)) {
      const items = (out.items as Node | undefined) ?? {};
      if (!("enum" in items)) out.items = { ...items, enum: s.enum };
      delete out.enum;
      this.quirks.push(`${path}: enum on an array (meant for its items)`);
    }
    // `type: object` with an enum of strings: the type is wrong (BackoffPlan.type, TransferPlan.sipVerb, ...).
    if (s.type === "object" && Array.isArray(s.enum) && !s.enum.some(isObjectValue)) {
      delete out.type;
      if (s.nullable === true) out.enum = [...(s.enum as unknown[]), null];
      this.quirks.push(`${path}: type "object" on an enum of ${JSON.stringify(s.enum)}; checked as the enum`);
    }
    // `type: object` with no shape whose example is not an object (NeuphonicVoice.language, ...).
    if (s.type === "object" && !s.properties && !Array.isArray(s.enum) && s.example !== undefined && !isObjectValue(s.example)) {
      delete out.type;
      this.quirks.push(`${path}: type "object" but the example is ${JSON.stringify(s.example)}; type not checked`);
    }
    // Array items typed `object` while the example's items are not (BackoffPlan.excludedStatusCodes).
    const items = s.items as Node | undefined;
    if (
      s.type === "array" &&
      items?.type === "object" &&
      !items.properties &&
      Array.isArray(s.example) &&
      s.example.length > 0 &&
      !s.example.some(isObjectValue)
    ) {
      const fixed = { ...(out.items as Node) };
      delete fixed.type;
      out.items = fixed;
      this.quirks.push(`${path}: items typed "object" but the example is ${JSON.stringify(s.example)}; item type not checked`);
    }
  }
}

function nullable(schema: Node): Node {
  const t = schema.type;
  if (typeof t === "string" && !("allOf" in schema) && !("anyOf" in schema) && !("oneOf" in schema) && !("$ref" in schema)) {
    const out: Node = { ...schema, type: [t, "null"] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) out.enum = [...schema.enum, null];
    return out;
  }
  return { anyOf: [schema, { type: "null" }] };
}
