// Protects the tool runtime's promises: validation errors the model can act on, budgets, apologies, idempotent side effects, and what the caller hears for each outcome.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { heardAfter, type VapiToolMessage } from "../../scripts/cli/simulate/speaking-rules.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { APOLOGY, HINTS } from "../../src/tools/dispatch/answers.ts";
import { CARD_REFUSAL } from "../../src/tools/dispatch/card-guard.ts";
import { createTestApp, type TestApp, type ToolAnswer, testDatabase } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { vapiValidator } from "../support/vapi-schema.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let t: TestApp;

beforeAll(async () => {
  // Every call here shares one call id; the handoff hint after repeated failures has its own tests.
  t = await createTestApp({ toolsDir: fixtures, env: { TOOL_FAILURES_BEFORE_HANDOFF: "100" } });
  await testDatabase().db.execute(sql`create table if not exists test_notes (tool_call_id text not null, note text not null)`);
});

async function one(name: string, args: unknown, id?: string) {
  const { status, json } = await t.webhook(toolCallsMessage([{ id, name, args }], { callId: "call-under-test" }));
  expect(status).toBe(200);
  expect(json.results).toHaveLength(1);
  return json.results![0]!;
}

describe("validation", () => {
  it("names the missing field", async () => {
    const answer = await one("echo", {});
    expect(answer.error).toBe('Invalid arguments: "text" is required.');
  });

  it("names the field with the wrong type", async () => {
    const answer = await one("echo", { text: "a", times: "lots" });
    expect(answer.error).toMatch(/"times"/);
    expect(answer.result).toBeUndefined();
  });

  it("explains arguments that are not valid JSON", async () => {
    const msg = { message: { type: "tool-calls", toolCallList: [{ id: "bad_json", function: { name: "echo", arguments: "{text:" } }] } };
    const { json } = await t.webhook(msg);
    expect(json.results).toEqual([
      {
        toolCallId: "bad_json",
        name: "echo",
        error: "The tool arguments were not valid JSON.",
        message: { type: "request-failed", role: "system", content: HINTS.modelMistake },
      },
    ]);
  });

  it("answers an unknown tool with an error listing the available ones", async () => {
    const answer = await one("teleport", {});
    expect(answer.error).toMatch(/no tool named "teleport"/);
    expect(answer.error).toContain("echo");
  });
});

describe("handler failures", () => {
  it("logs a bug with call and tool call ids, and speaks a short apology without internals", async () => {
    const answer = await one("explode", { how: "bug" }, "tc_bug");
    expect(answer.error).toBe(APOLOGY);
    const line = t.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "tool failed" && l.toolCallId === "tc_bug");
    expect(line).toMatchObject({ level: "error", tool: "explode", callId: "call-under-test" });
    expect(line.err.message).toContain("secret internals");
  });

  it("speaks a SpokenError as the error, with its details", async () => {
    const answer = await one("explode", { how: "spoken" });
    expect(answer.error).toBe('That account is locked. {"reason":"locked"}');
    // An outcome: the model answers (a system hint), never the tool's fixed "failed" words.
    expect(answer.message).toMatchObject({ type: "request-failed", role: "system" });
  });

  it("hears a thrown and a returned outage alike: no hint, so the tool's fixed failed words play", async () => {
    const thrown = await one("explode", { how: "spoken-outage" });
    const returned = await one("explode", { how: "unavailable" });
    expect(thrown.error).toBe("The ledger is offline.");
    expect(thrown).toEqual({ ...returned, toolCallId: thrown.toolCallId });
    expect(thrown.message).toBeUndefined();
  });

  it("returns a failure as error, never as result", async () => {
    const answer = await one("explode", { how: "failure" });
    expect(answer.error).toContain("That slot was just taken.");
    expect(answer.error).toContain("slot-2");
  });

  it("caps oversized results", async () => {
    const answer = await one("explode", { how: "huge" });
    expect(answer.result!.length).toBe(t.deps.config.MAX_RESULT_CHARS);
    expect(answer.result!.endsWith("…")).toBe(true);
  });

  it("turns multi-line results into one line", async () => {
    const answer = await one("explode", { how: "multiline" });
    expect(answer.result).toBe("line one line two line three");
  });
});

describe("budget", () => {
  it("answers the tool's fallback when the budget runs out, and aborts the handler", async () => {
    const answer = await one("slow", { ms: 5_000 });
    expect(answer.error).toBe("The slow system did not answer in time.");
    expect(t.logs.some((l) => l.includes('"tool budget exceeded"') && l.includes('"slow"'))).toBe(true);
  });

  it("answers normally inside the budget", async () => {
    const answer = await one("slow", { ms: 1 });
    expect(JSON.parse(answer.result!)).toEqual({ waited: 1, aborted: false });
  });
});

describe("side-effecting tools", () => {
  const notes = async (note: string) =>
    (await testDatabase().db.execute<{ n: number }>(sql`select count(*)::int as n from test_notes where note = ${note}`))[0]!.n;

  it("runs once per toolCallId, even when delivered concurrently", async () => {
    const note = `n-${randomUUID()}`;
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => one("record_note", { note, delayMs: 20 }, "tc_same")));
    expect(new Set(deliveries.map((d) => JSON.stringify(d))).size).toBe(1);
    expect(deliveries[0]!.result).toBe(JSON.stringify({ stored: note, copies: 1 }));
    expect(await notes(note)).toBe(1);
  });

  it("stores a returned failure as the answer for later deliveries", async () => {
    const first = await one("record_note", { note: "x", refuse: true }, "tc_refused");
    const again = await one("record_note", { note: "x" }, "tc_refused");
    expect(first.error).toBe("Notes are closed.");
    expect(again).toEqual(first);
  });

  it("rolls back and writes nothing when the budget runs out", async () => {
    const timed = await createTestApp({ toolsDir: fixtures, env: { TOOL_BUDGET_MS: "100" } });
    const note = `late-${randomUUID()}`;
    const callId = `call-${randomUUID()}`;
    const send = (args: Record<string, unknown>) =>
      timed.webhook(toolCallsMessage([{ id: "tc_late", name: "record_note", args }], { callId })).then((r) => r.json.results![0]!);
    // record_note sets its own budget of 1 s; the sleep outlasts it.
    expect((await send({ note, delayMs: 1500 })).error).toMatch(/taking longer/);
    // Redeliveries hear the same while the first is still running; once it has rolled back, nothing
    // is stored and a redelivery runs its own handler (and stores note2).
    const note2 = `retry-${randomUUID()}`;
    await expect.poll(async () => (await send({ note: note2 })).result, { timeout: 10_000, interval: 100 }).toBeDefined();
    expect(JSON.parse((await send({ note: note2 })).result!)).toEqual({ stored: note2, copies: 1 });
    expect(await notes(note)).toBe(0);
  });
});

describe("rate limit on side-effecting tools", () => {
  it("refuses a caller's calls past the per-minute limit, still answering redeliveries, and leaves other callers alone", async () => {
    const limited = await createTestApp({
      toolsDir: fixtures,
      env: { SIDE_EFFECT_LIMIT_PER_MINUTE: "2" },
      clock: fixedClock("2026-03-02T10:00:30Z"),
    });
    const caller = `+1555${Math.floor(Math.random() * 1e7)}`;
    const note = (id: string, who = caller) =>
      // A redelivery is the same toolCallId in the same call.
      limited.webhook(toolCallsMessage([{ id, name: "record_note", args: { note: `rl-${id}` } }], { caller: who, callId: `call-${id}` }));
    const prefix = `rl_${Math.random().toString(36).slice(2)}`;
    const first = await note(`${prefix}_1`);
    await note(`${prefix}_2`);
    const third = await note(`${prefix}_3`);
    expect(first.json.results?.[0]?.result).toBeDefined();
    expect(third.json.results?.[0]?.error).toMatch(/wait a minute/);
    expect(third.json.results?.[0]?.message).toMatchObject({ role: "system" });
    expect(await notesFor(`rl-${prefix}_3`)).toBe(0);
    // A redelivery of an accepted call is not a new change: it gets its stored answer.
    expect((await note(`${prefix}_1`)).json.results).toEqual(first.json.results);
    // Another caller has their own allowance.
    expect((await note(`${prefix}_4`, "+15559990000")).json.results?.[0]?.result).toBeDefined();
  });
});

async function notesFor(note: string) {
  return (await testDatabase().db.execute<{ n: number }>(sql`select count(*)::int as n from test_notes where note = ${note}`))[0]!.n;
}

describe("what the caller hears", () => {
  // explode's fixed `failed` words, as the assistant carries them to Vapi.
  const failedWords: VapiToolMessage[] = [{ type: "request-failed", content: "Explode is down right now." }];
  const heard = (answer: ToolAnswer, args: Record<string, unknown> = {}) => heardAfter(answer, failedWords, { args, language: "en" });
  const hint = (content: string) => ({ type: "request-failed", role: "system", content });

  beforeAll(() => {
    vapiValidator().validate("ServerMessageResponseToolCalls", { results: [] });
  }, 60_000);

  /** Every answer is one Vapi's definition accepts. */
  const valid = (answer: ToolAnswer) => {
    expect(vapiValidator().validate("ServerMessageResponseToolCalls", { results: [answer] }).errors).toEqual([]);
    return answer;
  };

  it("lets the model answer an outcome it must act on, never the tool's fixed failed words", async () => {
    for (const how of ["failure", "spoken"]) {
      const answer = valid(await one("explode", { how }));
      expect(answer.message).toEqual(hint(HINTS.outcome));
      expect(heard(answer)).toEqual({ by: "model", from: "result message", hint: HINTS.outcome });
    }
  });

  it("answers our failures with the tool's fixed failed words: a bug and a reported outage", async () => {
    const bug = valid(await one("explode", { how: "bug" }));
    const outage = valid(await one("explode", { how: "unavailable" }));
    expect(bug).not.toHaveProperty("message");
    expect(outage).toMatchObject({ error: "The ledger is offline." });
    expect(outage).not.toHaveProperty("message");
    for (const answer of [bug, outage]) expect(heard(answer)).toMatchObject({ by: "words", text: "Explode is down right now." });
  });

  it("speaks a tool's own timeout sentence as written, and otherwise its fixed failed words", async () => {
    const own = valid(await one("slow", { ms: 5_000 }));
    expect(own.message).toEqual({ type: "request-failed", content: "The slow system did not answer in time." });
    expect(heard(own)).toMatchObject({ by: "words", text: "The slow system did not answer in time.", from: "result message" });
  });

  it("speaks dictated words exactly, with the data kept for the model", async () => {
    const answer = valid(await one("explode", { how: "exact" }));
    expect(answer).toMatchObject({ result: '{"code":"K7Q2"}', message: { type: "request-complete", content: "Your code is K, 7, Q, 2." } });
    expect(heardAfter(answer, [], { args: {}, language: "en" })).toMatchObject({ by: "words", text: "Your code is K, 7, Q, 2." });
  });

  it("lets the model correct its own mistakes: invalid arguments, an unknown tool", async () => {
    for (const answer of [await one("echo", {}), await one("teleport", {})]) {
      valid(answer);
      expect(answer.message).toEqual(hint(HINTS.modelMistake));
      expect(heard(answer).by).toBe("model");
    }
  });

  it("lets the model explain a refusal: a card number, too many changes", async () => {
    const card = valid(await one("echo", { text: "my card is 4111 1111 1111 1111" }));
    expect(card).toMatchObject({ error: CARD_REFUSAL, message: hint(HINTS.refused) });
    expect(heard(card).by).toBe("model");
  });

  it("gives a redelivery of a side-effecting call the same answer, words included", async () => {
    const note = `said-${randomUUID()}`;
    const first = valid(await one("record_note", { note, say: true }, "tc_said"));
    const again = await one("record_note", { note, say: true }, "tc_said");
    expect(first.message).toEqual({ type: "request-complete", content: `Noted: ${note}.` });
    expect(again).toEqual(first);
    const refused = await one("record_note", { note, refuse: true }, "tc_refused_hint");
    expect(await one("record_note", { note, refuse: true }, "tc_refused_hint")).toEqual(refused);
    expect(refused.message).toEqual(hint(HINTS.outcome));
  });
});
