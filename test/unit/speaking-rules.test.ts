// Protects the simulator's speaking rules: what a caller hears after a tool call follows Vapi's ToolCallResult and tool-message rules, case by case.
import { describe, expect, it } from "vitest";
import {
  describeHeard,
  type Heard,
  heardAfter,
  heardAtStart,
  heardWhileWaiting,
  meets,
  type VapiToolMessage,
  type VapiToolResult,
} from "../../scripts/cli/simulate/speaking-rules.ts";

const call = { args: { partOfDay: "morning", limit: 3 }, language: "en" };
const toolComplete: VapiToolMessage = { type: "request-complete", content: "Tool complete." };
const toolFailed: VapiToolMessage = { type: "request-failed", content: "Tool failed." };
const resultComplete: VapiToolMessage = { type: "request-complete", content: "Result complete." };
const resultFailed: VapiToolMessage = { type: "request-failed", content: "Result failed." };
const system = (m: VapiToolMessage): VapiToolMessage => ({ ...m, role: "system" });

const words = (text: string, from: "result message" | "tool message"): Heard => ({
  by: "words",
  text,
  from,
  translated: false,
  endsCall: false,
});
const model = (from: "result message" | "tool message" | "nothing", hint?: string): Heard => ({
  by: "model",
  from,
  ...(hint ? { hint } : {}),
});

// One row per combination: the answer (result or error, with or without its own message), the tool's messages, and who speaks.
const rules: [string, VapiToolResult, VapiToolMessage[], Heard][] = [
  ["result, no messages: the model", { result: "{}" }, [], model("nothing")],
  ["result, tool request-complete: its words", { result: "{}" }, [toolComplete, toolFailed], words("Tool complete.", "tool message")],
  ["result, tool request-failed only: the model", { result: "{}" }, [toolFailed], model("nothing")],
  [
    "result with its own request-complete: over the tool's",
    { result: "{}", message: resultComplete },
    [toolComplete],
    words("Result complete.", "result message"),
  ],
  [
    "result with a request-failed message: ignored",
    { result: "{}", message: resultFailed },
    [toolComplete],
    words("Tool complete.", "tool message"),
  ],
  ["result with a request-failed message and no tool message: the model", { result: "{}", message: resultFailed }, [], model("nothing")],
  [
    "result, system request-complete from the tool: a hint",
    { result: "{}" },
    [system(toolComplete)],
    model("tool message", "Tool complete."),
  ],
  [
    "result, own system request-complete: a hint",
    { result: "{}", message: system(resultComplete) },
    [toolComplete],
    model("result message", "Result complete."),
  ],
  ["error, no messages: the model", { error: "x" }, [], model("nothing")],
  ["error, tool request-failed: its words", { error: "x" }, [toolComplete, toolFailed], words("Tool failed.", "tool message")],
  ["error, tool request-complete only: the model", { error: "x" }, [toolComplete], model("nothing")],
  [
    "error with its own request-failed: over the tool's",
    { error: "x", message: resultFailed },
    [toolFailed],
    words("Result failed.", "result message"),
  ],
  [
    "error with a request-complete message: ignored",
    { error: "x", message: resultComplete },
    [toolFailed],
    words("Tool failed.", "tool message"),
  ],
  [
    "error, own system request-failed: a hint, the tool's words not spoken",
    { error: "x", message: system(resultFailed) },
    [toolFailed],
    model("result message", "Result failed."),
  ],
  ["error, system request-failed from the tool: a hint", { error: "x" }, [system(toolFailed)], model("tool message", "Tool failed.")],
  [
    "error and result both: the error decides",
    { error: "x", result: "y" },
    [toolComplete, toolFailed],
    words("Tool failed.", "tool message"),
  ],
];

describe("heardAfter", () => {
  it.each(rules)("%s", (_, answer, messages, expected) => {
    expect(heardAfter(answer, messages, call)).toEqual(expected);
  });

  it("ends the call after assistant words with endCallAfterSpokenEnabled, never after a system hint", () => {
    const ending = { ...toolFailed, endCallAfterSpokenEnabled: true };
    expect(heardAfter({ error: "x" }, [ending], call)).toMatchObject({ by: "words", endsCall: true });
    expect(heardAfter({ error: "x" }, [system(ending)], call)).toEqual(model("tool message", "Tool failed."));
  });

  it("uses only messages whose conditions the arguments meet, first match first", () => {
    const evening: VapiToolMessage = {
      ...toolComplete,
      content: "Evening.",
      conditions: [{ operator: "eq", param: "partOfDay", value: "evening" }],
    };
    const morning: VapiToolMessage = {
      ...toolComplete,
      content: "Morning.",
      conditions: [{ operator: "eq", param: "partOfDay", value: "morning" }],
    };
    expect(heardAfter({ result: "{}" }, [evening, morning, toolComplete], call)).toEqual(words("Morning.", "tool message"));
    expect(heardAfter({ result: "{}" }, [evening], call)).toEqual(model("nothing"));
    expect(heardAfter({ result: "{}", message: { ...resultComplete, conditions: evening.conditions } }, [], call)).toEqual(
      model("nothing"),
    );
  });

  it("speaks the call's language from contents, else the first entry translated, and contents over content", () => {
    const multi: VapiToolMessage = {
      type: "request-failed",
      content: "Plain.",
      contents: [
        { type: "text", text: "Hola.", language: "es" },
        { type: "text", text: "Hello.", language: "en" },
      ],
    };
    expect(heardAfter({ error: "x" }, [multi], call)).toEqual(words("Hello.", "tool message"));
    expect(heardAfter({ error: "x" }, [multi], { ...call, language: "fr" })).toEqual({
      ...words("Hola.", "tool message"),
      translated: true,
    });
  });
});

describe("conditions", () => {
  it.each([
    ["eq", "morning", true],
    ["neq", "morning", false],
    ["gt", "2", true],
    ["gte", "3", true],
    ["lt", "10", true],
    ["lte", "2", false],
  ] as const)("%s %s", (operator, value, holds) => {
    const param = operator === "eq" || operator === "neq" ? "partOfDay" : "limit";
    expect(meets({ conditions: [{ operator, param, value }] }, call)).toBe(holds);
  });

  it("compares numbers as numbers, and an absent argument meets no condition", () => {
    expect(meets({ conditions: [{ operator: "lt", param: "limit", value: "10" }] }, { args: { limit: 9 } })).toBe(true);
    expect(meets({ conditions: [{ operator: "neq", param: "missing", value: "x" }] }, call)).toBe(false);
  });
});

describe("fillers", () => {
  it("speaks one request-start variant, and each delayed stage whose time has passed", () => {
    const messages: VapiToolMessage[] = [
      { type: "request-start", content: "One moment." },
      { type: "request-start", content: "Let me see." },
      { type: "request-response-delayed", content: "Still checking.", timingMilliseconds: 1000 },
      { type: "request-response-delayed", content: "Almost there.", timingMilliseconds: 3000 },
    ];
    expect(heardAtStart(messages, call)).toEqual({ text: "One moment.", variants: 2 });
    expect(heardWhileWaiting(messages, call, 500)).toEqual([]);
    expect(heardWhileWaiting(messages, call, 3500)).toEqual(["Still checking.", "Almost there."]);
    expect(heardAtStart([], call)).toBeUndefined();
  });

  it("describes who speaks in the simulator's words", () => {
    expect(describeHeard(words("Done.", "tool message"))).toBe('"Done."');
    expect(describeHeard(model("result message", "Tell them."))).toBe('the model\'s own answer, with the hint "Tell them."');
  });
});
