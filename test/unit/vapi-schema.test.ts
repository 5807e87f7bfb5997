// Protects the Vapi schema validator: Vapi's OpenAPI definitions, with undeclared properties refused as Vapi's API refuses them.
import { beforeAll, describe, expect, it } from "vitest";
import { createVapiValidator, formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const minimalAssistant = { name: "Minimal", model: { provider: "openai", model: "gpt-4o-mini" } };

// Reading and compiling Vapi's document takes a few seconds once per process, more on a busy machine.
beforeAll(() => {
  vapiValidator().validate("CreateAssistantDTO", minimalAssistant);
}, 60_000);

describe("validateVapi", () => {
  it("accepts a minimal valid CreateAssistantDTO", () => {
    expect(vapiValidator().validate("CreateAssistantDTO", minimalAssistant)).toEqual({ ok: true, errors: [], warnings: [] });
  });

  it("refuses a property the DTO does not declare, at the top and deep inside, naming it", () => {
    const { ok, errors } = vapiValidator().validate("CreateAssistantDTO", {
      ...minimalAssistant,
      silenceTimeoutSeconds: 30,
      server: { url: "https://example.com/hook", secret: "x" },
    });
    expect(ok).toBe(false);
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      ["", 'property "silenceTimeoutSeconds" should not exist'],
      ["/server", 'property "secret" should not exist'],
    ]);
    expect(formatVapiIssues(errors)).toContain('(root): property "silenceTimeoutSeconds" should not exist');
  });

  it("checks a provider union by the provider named, so the errors are the ones that matter", () => {
    const v = vapiValidator();
    const wrongField = v.validate("CreateAssistantDTO", { model: { provider: "openai", model: "gpt-4o-mini", tempurature: 0.2 } });
    expect(wrongField.errors.map((e) => [e.path, e.message])).toEqual([["/model", 'property "tempurature" should not exist']]);
    const unknownProvider = v.validate("CreateAssistantDTO", { model: { provider: "nobody", model: "x" } });
    expect(unknownProvider.errors).toHaveLength(1);
    expect(unknownProvider.errors[0]).toMatchObject({ path: "/model/provider", keyword: "enum" });
  });

  it("checks the JSON Schema of a function tool's parameters against what Vapi declares", () => {
    const tool = (parameters: unknown) => ({ type: "function", function: { name: "get_thing", parameters } });
    const v = vapiValidator();
    expect(v.validate("CreateFunctionToolDTO", tool({ type: "object", properties: { id: { type: "string", enum: ["a"] } } })).ok).toBe(
      true,
    );
    const bounded = v.validate("CreateFunctionToolDTO", tool({ type: "object", properties: { id: { type: "string", maxLength: 5 } } }));
    expect(bounded.errors.map((e) => [e.path, e.message])).toEqual([
      ["/function/parameters/properties/id", 'property "maxLength" should not exist'],
    ]);
    expect(v.validate("CreateFunctionToolDTO", tool({ type: "object", properties: {} })).ok).toBe(true);
    expect(
      v.validate("CreateFunctionToolDTO", { ...tool({ type: "object", properties: {} }), function: { name: "has space" } }).errors,
    ).toEqual([expect.objectContaining({ path: "/function/name", keyword: "pattern" })]);
  });

  it("validates server-message responses and operation request bodies", () => {
    const v = vapiValidator();
    expect(v.validate("ServerMessageResponseToolCalls", { results: [{ toolCallId: "call_1", name: "x", result: "ok" }] }).ok).toBe(true);
    expect(v.validate("ServerMessageResponseToolCalls", { results: [{ toolCallId: "call_1", result: "ok" }] }).errors).toEqual([
      expect.objectContaining({ path: "/results/0", message: 'property "name" is required' }),
    ]);
    expect(v.validate("ServerMessageResponseCampaignPredial", {}).errors[0]?.message).toBe('property "eligible" is required');
    const phone = (body: unknown) => v.validate("PATCH /phone-number/{id}", body);
    expect(phone({ provider: "vapi", server: { url: "https://example.com/hook" } }).ok).toBe(true);
    expect(phone({ provider: "vapi", server: { url: "https://example.com/hook" }, number: "+15550001111" }).errors).toEqual([
      expect.objectContaining({ path: "", message: 'property "number" should not exist' }),
    ]);
  });

  it("reports deprecated properties in use as warnings, not errors", () => {
    const r = vapiValidator().validate("CreateAssistantDTO", { ...minimalAssistant, analysisPlan: { summaryPlan: { enabled: true } } });
    expect(r.ok).toBe(true);
    expect(r.warnings.map((w) => w.path)).toEqual(expect.arrayContaining(["/analysisPlan", "/analysisPlan/summaryPlan"]));
  });

  it("admits null where the document says nullable, and checks formats", () => {
    const v = vapiValidator();
    expect(v.validate("ServerMessageToolCalls", { toolWithToolCallList: [], toolCallList: [], assistantVersion: null }).ok).toBe(true);
    expect(v.validate("CreateAssistantDTO", { ...minimalAssistant, backgroundSound: "https://example.com/a.mp3" }).ok).toBe(true);
    expect(v.validate("CreateAssistantDTO", { ...minimalAssistant, backgroundSound: "loud" }).ok).toBe(false);
  });

  it("corrects the document's known mistakes, and lists each; literal mode does not", () => {
    const plan = { type: "exponential", maxRetries: 3, baseDelaySeconds: 1, excludedStatusCodes: [400] };
    const v = vapiValidator();
    expect(v.validate("BackoffPlan", plan).ok).toBe(true);
    expect(v.quirks()).toEqual(expect.arrayContaining([expect.stringMatching(/^BackoffPlan\/properties\/type: type "object"/)]));
    const literal = createVapiValidator({ literal: true });
    expect(literal.validate("BackoffPlan", plan).errors.map((e) => e.path)).toEqual(["/type", "/excludedStatusCodes/0"]);
  }, 60_000);

  it("names an unknown schema", () => {
    expect(() => vapiValidator().validate("NoSuchDTO", {})).toThrow('no schema "NoSuchDTO"');
  });
});
