// Protects the structured outputs of assistant.config.ts: refused at load when Vapi could not take them, JSON schemas in the subset Vapi accepts, results mapped back to their keys, and REST filters read by each output's type.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import assistantConfig from "../../assistant.config.ts";
import { AssistantConfigError, defineAssistantConfig } from "../../src/assistant/define.ts";
import {
  outputFilter,
  outputNaming,
  type StructuredOutputs,
  structuredOutputBody,
  structuredOutputProblems,
  withStructuredOutputs,
} from "../../src/assistant/structured-outputs.ts";
import { outputResults, reportRecord } from "../../src/services/calls/call-record.ts";
import { vapiValidator } from "../support/vapi-schema.ts";

const owner = (structuredOutputs: StructuredOutputs) => ({ name: "Switchboard", structuredOutputs });

describe("the structured outputs as shipped", () => {
  it("have no problems, and each is a body CreateStructuredOutputDTO accepts", () => {
    expect(structuredOutputProblems(assistantConfig)).toEqual([]);
    for (const key of Object.keys(assistantConfig.structuredOutputs ?? {})) {
      const body = structuredOutputBody(assistantConfig, key);
      expect(vapiValidator().validate("CreateStructuredOutputDTO", body).errors, key).toEqual([]);
    }
    expect(Object.entries(assistantConfig.structuredOutputs ?? {}).filter(([, o]) => o.summary)).toHaveLength(1);
  }, 60_000);
});

describe("structuredOutputProblems", () => {
  it("refuses, all at once, keys a URL cannot carry plainly, names Vapi would cut, schemas Vapi cannot say, and two summaries", () => {
    const problems = structuredOutputProblems({
      name: "A business name long enough",
      structuredOutputs: {
        "follow-up": { description: "x", schema: z.boolean() },
        muchTooLongAKeyForVapi: { description: "x", schema: z.boolean() },
        anything: { description: "x", schema: z.any() },
        mixed: { description: "x", schema: z.union([z.string(), z.number()]) },
        bag: { description: "x", schema: z.record(z.string(), z.string()) },
        summary: { description: "x", schema: z.boolean(), summary: true },
        notes: { description: "", schema: z.string(), summary: true },
      },
    });
    expect(problems).toEqual([
      'structuredOutputs.follow-up: the key must be letters, digits and "_", starting with a letter',
      expect.stringMatching(/^structuredOutputs\.muchTooLongAKeyForVapi: ".*" is longer than Vapi's 40 characters/),
      "structuredOutputs.anything: the schema: every field needs a type (z.any() and z.unknown() cannot be expressed in Vapi's JSON Schema)",
      expect.stringMatching(/^structuredOutputs\.mixed: the schema: one field of several types \(string, number\)/),
      expect.stringMatching(/^structuredOutputs\.bag: .*maps \(z\.record\)/),
      "structuredOutputs.summary: a summary must be a string (z.string())",
      "structuredOutputs.notes: needs a description",
      "structuredOutputs: only one output can be the summary (summary, notes are)",
    ]);
    expect(() =>
      defineAssistantConfig({ ...assistantConfig, structuredOutputs: { "a b": { description: "x", schema: z.boolean() } } }),
    ).toThrow(AssistantConfigError);
  });
});

describe("the JSON schema of a result", () => {
  it("takes any of Vapi's types at the top, and moves limits zod checks into the description", () => {
    const o = owner({
      score: { description: "Score.", schema: z.number().int().min(1).max(5).describe("How satisfied") },
      ticket: {
        description: "Ticket.",
        schema: z.object({ priority: z.enum(["low", "high"]), tags: z.array(z.string()).max(3), due: z.iso.date().optional() }),
      },
    });
    expect(structuredOutputBody(o, "score").schema).toEqual({ type: "integer", description: "How satisfied (1 to 5)" });
    expect(structuredOutputBody(o, "ticket").schema).toEqual({
      type: "object",
      properties: {
        priority: { type: "string", enum: ["low", "high"] },
        tags: { type: "array", items: { type: "string" }, description: "at most 3 items" },
        due: { type: "string", format: "date", pattern: expect.any(String) },
      },
      required: ["priority", "tags"],
    });
    for (const key of ["score", "ticket"]) {
      expect(vapiValidator().validate("CreateStructuredOutputDTO", structuredOutputBody(o, key)).errors).toEqual([]);
    }
  });
});

describe("withStructuredOutputs", () => {
  const o = owner({ a: { description: "A.", schema: z.boolean() }, b: { description: "B.", schema: z.string() } });
  it("references known ids, carries the rest inline, and keeps the preset's own plan", () => {
    expect(withStructuredOutputs({ recordingEnabled: true }, o, { a: "id-a" })).toEqual({
      recordingEnabled: true,
      structuredOutputIds: ["id-a"],
      structuredOutputs: [structuredOutputBody(o, "b")],
    });
    expect(withStructuredOutputs(undefined, o, { a: "id-a", b: "id-b" })).toEqual({ structuredOutputIds: ["id-a", "id-b"] });
    expect(withStructuredOutputs({ recordingEnabled: true }, owner({}))).toEqual({ recordingEnabled: true });
  });
});

describe("outputResults", () => {
  const naming = outputNaming(
    owner({ intent: { description: "x", schema: z.string() }, summary: { description: "x", schema: z.string(), summary: true } }),
  );
  it("maps Vapi's entries (keyed by id, with the name) back to keys; undeclared ones keep their name, nameless ones their id", () => {
    expect(naming.summaryKey).toBe("summary");
    expect(
      outputResults(
        {
          "id-1": { name: "Switchboard intent", result: "billing" },
          "id-2": { name: "Team score", result: 4 },
          "id-3": { result: null },
          "id-4": "not an entry",
          "id-5": { name: "Switchboard summary" },
          "id-6": { name: "__proto__", result: { polluted: true } },
        },
        naming,
      ),
    ).toEqual({ intent: "billing", "Team score": 4, "id-3": null, ["__proto__"]: { polluted: true } });
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(outputResults(undefined, naming)).toEqual({});
  });
  it("reads a report's results whether Vapi sends them keyed by id or as a list, and never fails the record over them", () => {
    const identity = { callId: "c1", callerNumber: "+15550001234", phoneNumberId: undefined, atMs: 0 };
    const entry = { name: "Switchboard summary", result: "Caller +15550001234 asked for hours." };
    const keyed = reportRecord(identity, { artifact: { structuredOutputs: { "id-1": entry } } }, { naming });
    const listed = reportRecord(identity, { artifact: { structuredOutputs: [{ id: "id-1", ...entry }] } }, { naming });
    for (const record of [keyed, listed]) {
      expect(record.structuredOutputs).toEqual({ summary: "Caller [caller number] asked for hours." });
      expect(record.summary).toBe("Caller [caller number] asked for hours.");
    }
    expect(reportRecord(identity, { artifact: { structuredOutputs: "nonsense" }, endedReason: "x" }, { naming })).toMatchObject({
      endedReason: "x",
      structuredOutputs: undefined,
    });
  });
});

describe("outputFilter", () => {
  const o = owner({
    done: { description: "x", schema: z.boolean() },
    score: { description: "x", schema: z.number() },
    mood: { description: "x", schema: z.enum(["up", "down"]) },
    note: { description: "x", schema: z.string() },
    tags: { description: "x", schema: z.array(z.string()) },
    ticket: { description: "x", schema: z.object({ level: z.enum(["low", "high"]), meta: z.object({ team: z.string() }) }) },
  });
  it("reads each value by its output's type and nests fields, ignoring other parameters", () => {
    expect(
      outputFilter(o, {
        "output.done": ["false"],
        "output.score": ["2.5"],
        "output.mood": ["up"],
        "output.note": ["any text"],
        "output.tags": ["a", "b"],
        "output.ticket.level": ["high"],
        "output.ticket.meta.team": ["ops"],
        limit: ["5"],
      }),
    ).toEqual({
      ok: true,
      value: { done: false, score: 2.5, mood: "up", note: "any text", tags: ["a", "b"], ticket: { level: "high", meta: { team: "ops" } } },
    });
  });
  it("says what is wrong with a parameter", () => {
    const wrong = (params: Record<string, string[]>) => {
      const r = outputFilter(o, params);
      return r.ok ? "" : r.message;
    };
    expect(wrong({ "output.score": [""] })).toBe("output.score: must be a number");
    expect(wrong({ "output.score": ["1e999"] })).toBe("output.score: must be a number");
    expect(wrong({ "output.__proto__": ["x"] })).toMatch(/no structured output "__proto__"/);
    expect(wrong({ "output.ticket.constructor": ["x"] })).toBe('output.ticket.constructor: "constructor" is not a field of that output');
    expect(wrong({ "output.ticket.meta": ["x"] })).toMatch(/is an object/);
    expect(wrong({ "output.done.x": ["true"] })).toMatch(/"x" is not a field/);
  });
});
