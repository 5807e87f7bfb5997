// Protects the offline call simulator: it plays scripted calls over real HTTP, authenticated like Vapi, and reports latency, what the caller hears by Vapi's rules, and failed expectations.
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import { main as kbLoad } from "../../scripts/cli/kb-load.ts";
import { runScenario } from "../../scripts/cli/simulate/run.ts";
import { parseScenario } from "../../scripts/cli/simulate/scenario.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { membersOfCall } from "../../src/services/call-members.ts";
import { findCall } from "../../src/services/calls/records.ts";
import { DEMO, seedDemoData } from "../../src/services/demo-seed.ts";
import { createTestApp, TEST_SECRET, type TestApp, testDatabase } from "../support/harness.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const scenarioFile = async (path: string) => parseScenario(JSON.parse(await readFile(new URL(path, import.meta.url), "utf8")), path);

async function listen(t: TestApp) {
  const server = serve({ fetch: t.app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/vapi/webhook`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let builtIn: { url: string; close(): Promise<void> };
let withFixtures: { url: string; close(): Promise<void> };
let demo: { url: string; close(): Promise<void> };
let defaults: { url: string; close(): Promise<void> };

beforeAll(async () => {
  builtIn = await listen(await createTestApp({ env: { TRANSFER_NUMBER: "+15557654321" } }));
  withFixtures = await listen(await createTestApp({ toolsDir: fixtures }));
  // The business scenarios play against the demo data, as `npm start` serves it. Roomy budgets:
  // these tests check what the tools answer, not how fast a cold lookup is on a loaded machine.
  const demoApp = await createTestApp({
    env: { TRANSFER_NUMBER: "+15557654321", TOOL_BUDGET_MS: "3000", PERSONALIZATION_BUDGET_MS: "5000" },
  });
  await seedDemoData({ ...demoApp.deps, timeZone: demoApp.deps.config.BUSINESS_TIMEZONE });
  // The sample documents, as `npm run kb:load -- knowledge-base` loads them.
  const quiet = () => {};
  expect(await kbLoad(["knowledge-base"], {}, { out: quiet, err: quiet, db: demoApp.deps.db, cache: demoApp.deps.cache })).toBe(0);
  demo = await listen(demoApp);
  // `npm start` with nothing configured, on a Monday (the README's sample asks about Saturday).
  defaults = await listen(await createTestApp({ clock: fixedClock("2026-01-05T17:00:00Z") }));
});
afterAll(async () => {
  await builtIn.close();
  await withFixtures.close();
  await demo.close();
  await defaults.close();
});

describe("runScenario", () => {
  it("plays the business-hours scenario end to end and records the call", async () => {
    const lines: string[] = [];
    const scenario = await scenarioFile("../../scenarios/business-hours.json");
    const report = await runScenario(scenario, { url: builtIn.url, auth: { secret: TEST_SECRET }, print: (l) => lines.push(l) });
    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.httpStatus)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(report.steps.every((s) => typeof s.latencyMs === "number" && s.latencyMs >= 0)).toBe(true);
    expect(report.steps[0]?.heard).toEqual(["Thanks for calling Switchboard Demo Co. How can I help?"]);
    expect(report.steps[2]?.heard).toEqual([]);
    expect(report.steps[2]?.notes[0]).toContain('get_business_hours → result: {"day":"Saturday","hours":"9 AM to 1 PM"');
    expect(report.steps[3]?.notes).toEqual(["transfer to +15557654321"]);
    expect(lines.some((l) => l.includes("hears:"))).toBe(true);

    const call = await findCall(testDatabase().db, report.callId);
    expect(call).toMatchObject({ status: "ended", callerNumber: "+15550102033", summary: "Caller asked about Saturday opening hours." });
    expect(call?.transcript).toContain("User: Are you open on Saturday?");
  });

  it("chains arguments from the previous result and reports failed expectations", async () => {
    const scenario = await scenarioFile("../fixtures/scenarios/fixture-tools.json");
    const report = await runScenario(scenario, { url: withFixtures.url, auth: { secret: TEST_SECRET } });
    expect(report.steps[3]?.notes[0]).toContain('"text":"hellohello"');
    expect(report.steps[3]?.failures).toEqual([]);
    expect(report.ok).toBe(false);
    expect(report.failures).toEqual([expect.stringMatching(/^step 5 \(tool-calls\): echo: expected a error, got result/)]);
  });

  it("reports rejected credentials as a failure instead of pretending", async () => {
    const scenario = await scenarioFile("../../scenarios/business-hours.json");
    const report = await runScenario(scenario, { url: builtIn.url, auth: { secret: "wrong-secret-wrong-secret" } });
    expect(report.ok).toBe(false);
    expect(report.steps[0]?.failures).toContain("HTTP 401 (Vapi expects 200)");
  });

  it("plays the shipment-status scenario against the demo data, personalized for the demo caller", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/shipment-status.json"), {
      url: demo.url,
      auth: { secret: TEST_SECRET },
    });
    expect(report.failures).toEqual([]);
    expect(report.steps[0]?.notes).toContain(`personalized for ${DEMO.callerName}`);
    expect(report.steps[0]?.heard[0]).toMatch(/^Hi Jordan, thanks/);
    expect(report.steps[3]?.notes[0]).toContain("1ZDEMO0002");
    expect(report.steps[3]?.notes[0]).not.toContain("1ZDEMO0003");
    expect(report.steps[4]?.notes[0]).toContain('"delayed":true');
    // An unknown tracking number is an outcome the model answers, not the "tracking system down" words.
    const unknown = report.steps[5]!;
    expect(unknown.spoken).toEqual([{ tool: "get_shipment_status", outcome: "error", heard: expect.objectContaining({ by: "model" }) }]);
    expect(unknown.heard).toEqual(["Let me check on that shipment."]);
    expect(unknown.heard.join(" ")).not.toContain("tracking system");
  });

  it("plays the booking scenario: the slot offered is booked and then listed for the caller", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/booking.json"), { url: demo.url, auth: { secret: TEST_SECRET } });
    expect(report.failures).toEqual([]);
    const offered = JSON.parse(report.steps[2]!.notes[0]!.replace(/^check_availability → result: /, "")) as { slots: { time: string }[] };
    const booked = JSON.parse(report.steps[3]!.notes[0]!.replace(/^book_appointment → result: /, "")) as {
      confirmationCode: string;
      time: string;
    };
    expect(booked.time).toBe(offered.slots[0]?.time);
    // The confirmation is dictated: read character by character, not left to the model.
    const spelled = [...booked.confirmationCode].join(", ");
    expect(report.steps[3]?.heard).toEqual([
      "Let me book that for you.",
      `You're booked for ${booked.time}. Your confirmation code is ${spelled}. Is there anything else I can help with?`,
    ]);
    expect(report.steps[4]?.notes[0]).toContain(booked.confirmationCode);
  });

  it("plays the payment scenario: balance, a link for the invoice due first, then a transfer", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/payment.json"), { url: demo.url, auth: { secret: TEST_SECRET } });
    expect(report.failures).toEqual([]);
    expect(report.steps[2]?.notes[0]).toContain('"balance":"$165.50"');
    expect(report.steps[3]?.notes[0]).toContain('"sent":true');
    expect(report.steps.map((s) => s.httpStatus).every((status) => status === 200)).toBe(true);
    const call = await findCall(testDatabase().db, report.callId);
    expect(call).toMatchObject({ status: "ended", callerNumber: DEMO.callerNumber });
  });

  it("plays the squad-handoff scenario: reception answers, hands to scheduling with a summary, a handoff to no desk is refused", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/squad-handoff.json"), {
      url: demo.url,
      auth: { secret: TEST_SECRET },
    });
    expect(report.failures).toEqual([]);
    expect(report.steps[0]?.notes[0]).toBe(
      "squad Switchboard frontDesk: Switchboard reception, Switchboard scheduling, Switchboard billing; Switchboard reception answers",
    );
    expect(report.steps[3]?.notes).toEqual([
      "handed from Switchboard reception to Switchboard scheduling",
      expect.stringMatching(
        /^it is told: The caller was with the reception desk\. What they said and want: Jordan asked about parcel 1ZDEMO0002/,
      ),
      "then: the next member's own words",
    ]);
    expect(report.steps[5]?.notes[0]).toMatch(/^handoff refused: No desk is called "legal"/);
    expect(await membersOfCall(testDatabase().db, report.callId)).toEqual([
      expect.objectContaining({ member: "reception", via: "entry" }),
      expect.objectContaining({ member: "scheduling", via: "handoff", fromMember: "reception" }),
    ]);
  });

  it("catches a squad member calling a tool it does not have", async () => {
    const scenario = await scenarioFile("../../scenarios/squad-handoff.json");
    // Scheduling's tools do not include the shipment lookup: Vapi's model could not call it.
    const wrong = { ...scenario, steps: [...scenario.steps.slice(0, 4), scenario.steps[2]!] };
    const report = await runScenario(wrong, { url: demo.url, auth: { secret: TEST_SECRET } });
    expect(report.failures).toEqual([
      "step 5 (tool-calls): get_shipment_status is not among Switchboard scheduling's tools: its model cannot call it",
    ]);
  });

  it("plays the screened-call scenario: a spoofed caller ID is rejected in words before any AI answers", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/screened-call.json"), {
      url: defaults.url,
      auth: { secret: TEST_SECRET },
    });
    expect(report.failures).toEqual([]);
    expect(report.steps[0]?.heard).toEqual([assistantConfig.screening!.rejectInvalid!.message]);
    expect(report.steps[0]?.notes).toEqual(["rejected before any AI answers; Vapi ends the call"]);
    // Expecting an assistant for it fails, naming what came instead.
    const expectingAssistant = await scenarioFile("../../scenarios/screened-call.json");
    expectingAssistant.steps[0] = { type: "assistant-request", expect: "assistant" };
    const failed = await runScenario(expectingAssistant, { url: defaults.url, auth: { secret: TEST_SECRET } });
    expect(failed.failures).toEqual(["step 1 (assistant-request): expected an assistant, got a rejection"]);
  });

  it("plays the endpointing scenario: each decision's wait and the rule that made it", async () => {
    const lines: string[] = [];
    const report = await runScenario(await scenarioFile("../../scenarios/endpointing.json"), {
      url: builtIn.url,
      auth: { secret: TEST_SECRET },
      print: (l) => lines.push(l),
    });
    expect(report.failures).toEqual([]);
    expect(report.steps.map((s) => s.notes[0]?.match(/rule ([\w:-]+)/)?.[1])).toEqual([
      "trailing-conjunction",
      "reading-digits",
      "spelling",
      "filler",
      "complete-answer",
      "plan:punctuation",
      "plan:punctuation",
    ]);
    expect(lines.join("\n")).toContain("waits 1.6 s of silence before the turn ends (rule reading-digits, preset scheduling)");
    // A wrong expectation is reported, not passed over.
    const wrong = await scenarioFile("../../scenarios/endpointing.json");
    wrong.steps = [{ type: "call.endpointing.request", preset: "scheduling", say: "Yes.", expectSeconds: 5, expectRule: "filler" }];
    const failed = await runScenario(wrong, { url: builtIn.url, auth: { secret: TEST_SECRET } });
    expect(failed.failures).toEqual([
      "step 1 (call.endpointing.request): expected a wait of 5 s, got 0.3",
      "step 1 (call.endpointing.request): expected rule filler, got plan:punctuation",
    ]);
  });

  it("plays the predial-refusal scenario: the callee opts out on a reminder call, and the next campaign may not dial them", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/predial-refusal.json"), {
      url: demo.url,
      auth: { secret: TEST_SECRET },
    });
    expect(report.failures).toEqual([]);
    expect(report.steps[3]?.notes).toEqual(["refused: Vapi skips the contact (the reason is in /api/campaigns/predial-decisions)"]);
    // Expecting the opted-out number to be dialed fails, naming what came instead.
    const expectingDial = await scenarioFile("../../scenarios/predial-refusal.json");
    expectingDial.steps[3] = { type: "campaign.predial", campaignId: "sim-reminders", expect: "eligible" };
    const failed = await runScenario(expectingDial, { url: demo.url, auth: { secret: TEST_SECRET } });
    expect(failed.failures).toEqual(["step 4 (campaign.predial): expected eligible, got refused"]);
  });

  it("plays the knowledge-base scenario: passages from the sample documents, none for a question they do not cover", async () => {
    const report = await runScenario(await scenarioFile("../../scenarios/knowledge-base.json"), {
      url: demo.url,
      auth: { secret: TEST_SECRET },
    });
    expect(report.failures).toEqual([]);
    expect(report.steps[0]?.notes[0]).toMatch(/^\d passage\(s\) for the model; best \(0\.\d+\): /);
    expect(report.steps[2]?.notes).toEqual(["no passages: the model answers on its own"]);
  });

  it("ships valid scenarios for shipment status, booking, payment, a squad handoff, a screened call, a predial refusal and a knowledge-base answer", async () => {
    const files = (await readdir(new URL("../../scenarios/", import.meta.url))).sort();
    expect(files).toEqual([
      "booking.json",
      "business-hours.json",
      "endpointing.json",
      "knowledge-base.json",
      "payment.json",
      "predial-refusal.json",
      "screened-call.json",
      "shipment-status.json",
      "squad-handoff.json",
    ]);
    const tools = new Set<string>();
    for (const f of files) {
      const s = await scenarioFile(`../../scenarios/${f}`);
      for (const step of s.steps) if (step.type === "tool-calls") for (const c of step.calls) tools.add(c.name);
    }
    expect([...tools].sort()).toEqual(
      [
        "book_appointment",
        "check_availability",
        "get_account_balance",
        "get_business_hours",
        "get_shipment_status",
        "list_my_appointments",
        "opt_out_of_calls",
        "send_payment_link",
      ].sort(),
    );
  });
});

describe("npm run simulate", () => {
  it("reproduces the README's sample against the defaults, transfers refused in true words", async () => {
    const docs = [
      join(root, "README.md"),
      ...(await readdir(join(root, "docs"))).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f)),
    ];
    const texts = await Promise.all(docs.map((f) => readFile(f, "utf8")));
    const sample = texts.map((t) => /```text\n\$ npm run simulate -- business-hours\n([\s\S]*?)```/.exec(t)?.[1]).find(Boolean);
    expect(sample).toBeDefined();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/cli/simulate/main.ts", "business-hours", "--url", defaults.url, "--secret", TEST_SECRET],
      { cwd: root, env: { PATH: process.env.PATH ?? "" } },
    );
    // Latencies, the call id and the server's address differ per run; everything else must match.
    const normalize = (text: string) =>
      text
        .replace(/\d+\.\d ms/g, "N ms")
        .replace(/sim-[0-9a-f-]+/g, "sim-…")
        .replace(/ +(HTTP|N ms)/g, " $1")
        .replace(/http:\/\/[^/\s]+\/vapi\/webhook/g, "<url>")
        .trimEnd();
    expect(normalize(stdout)).toBe(normalize(sample!));
    expect(stdout).toContain(assistantConfig.handoff.unavailableMessage);
  });

  it("reproduces docs/assistant.md's screened-call sample against the defaults", async () => {
    const sample = /```text\n\$ npm run simulate -- screened-call\n([\s\S]*?)```/.exec(
      await readFile(join(root, "docs", "assistant.md"), "utf8"),
    )?.[1];
    expect(sample).toBeDefined();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/cli/simulate/main.ts", "screened-call", "--url", defaults.url, "--secret", TEST_SECRET],
      { cwd: root, env: { PATH: process.env.PATH ?? "" } },
    );
    const normalize = (text: string) =>
      text
        .replace(/\d+\.\d ms/g, "N ms")
        .replace(/sim-[0-9a-f-]+/g, "sim-…")
        .replace(/ +(HTTP|N ms)/g, " $1")
        .replace(/http:\/\/[^/\s]+\/vapi\/webhook/g, "<url>")
        .trimEnd();
    expect(normalize(stdout)).toBe(normalize(sample!));
  });

  it("prints each step and exits 0 when the scenario holds", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/cli/simulate/main.ts", "business-hours", "--url", builtIn.url, "--secret", TEST_SECRET],
      { cwd: root, env: { PATH: process.env.PATH ?? "" } },
    );
    expect(stdout).toContain('Simulating "Business hours"');
    expect(stdout).toMatch(/ 1\. assistant-request\s+HTTP 200\s+[\d.]+ ms/);
    expect(stdout).toContain("OK: 6 steps");
  });

  it("takes a scenario file by absolute path, and names what it could not find", async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", join(root, "scripts/cli/simulate/main.ts"), ...args], {
        cwd: join(root, "scripts"),
        env: { PATH: process.env.PATH ?? "" },
      }).then(
        (r) => ({ code: 0, out: r.stdout + r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
      );
    const byPath = await run(join(root, "scenarios", "business-hours.json"), "--url", builtIn.url, "--secret", TEST_SECRET);
    expect(byPath.out).toContain("OK: 6 steps");
    const missing = await run("no-such-scenario", "--url", builtIn.url);
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('no scenario "no-such-scenario": not one of booking, business-hours');
  });

  it("says there is no Switchboard at the URL instead of failing every step", async () => {
    const down = "http://127.0.0.1:9/vapi/webhook";
    const failed = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "scripts/cli/simulate/main.ts", "business-hours", "--url", down, "--secret", TEST_SECRET],
      { cwd: root, env: { PATH: process.env.PATH ?? "" } },
    ).then(
      () => undefined,
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`No Switchboard at ${down}: start one with npm start`);
    expect(failed?.stdout).not.toContain("fetch failed");
  });
});
