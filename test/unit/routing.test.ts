// Protects the rules behind screening, routing and squad handoffs: what counts as a withheld or invalid caller ID, the order rules are tried in, how a handoff picks its member, and a configuration that cannot work refused at load.
import { describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import {
  type AssistantConfig,
  AssistantConfigError,
  assistantConfigProblems,
  defineAssistantConfig,
  type SquadConfig,
  squadToolProblems,
} from "../../src/assistant/define.ts";
import { classifyCallerId, rateLimitDecision, routeCall, screenCaller } from "../../src/assistant/routing.ts";
import { handoffTargets, locateSquadMember } from "../../src/assistant/squad.ts";
import { decideSquadHandoff, handoffVariables } from "../../src/assistant/squad-handoff.ts";
import { isOpen } from "../../src/services/business-hours.ts";
import { discoverTools } from "../../src/tools/discover.ts";
import { createRegistry } from "../../src/tools/registry.ts";

const OPEN = new Date("2026-01-05T17:00:00Z"); // Monday noon in New York
const CLOSED = new Date("2026-01-06T03:00:00Z");

describe("classifyCallerId", () => {
  it.each([
    [undefined, "withheld"],
    ["", "withheld"],
    ["Anonymous", "withheld"],
    ["PRIVATE", "withheld"],
    ["+266696687", "withheld"],
    ["86282452253", "withheld"],
    ["+15550100001", "valid"],
    ["+442071838750", "valid"],
    ["+12125550100", "valid"],
    ["+10125550100", "invalid"],
    ["+11125550100", "invalid"],
    ["+121255501000", "invalid"],
    ["2125550100", "invalid"],
    ["+0123456789", "invalid"],
    ["+1 212 555 0100", "invalid"],
  ])("%s is %s", (number, kind) => {
    expect(classifyCallerId(number)).toBe(kind);
  });
});

describe("screening", () => {
  const screening = {
    blockedMessage: "Blocked.",
    rejectWithheld: { message: "Withheld." },
    rejectInvalid: { message: "Invalid." },
    rateLimit: { maxCalls: 3, windowSeconds: 60, message: "Too many." },
    trustedCallers: ["+10005550100"],
  };
  const facts = { callerNumber: "+15550100001", callType: "inboundPhoneCall", sipCaller: false, blocked: false };

  it("rejects by the blocklist first, even a trusted caller", () => {
    expect(screenCaller(screening, { ...facts, callerNumber: "+10005550100", blocked: true })).toMatchObject({ rule: "blocklist" });
  });

  it("spares trusted callers the spam rules", () => {
    expect(screenCaller(screening, { ...facts, callerNumber: "+10005550100" })).toBeUndefined();
  });

  it("treats a missing number as withheld only on phone calls without a SIP address", () => {
    expect(screenCaller(screening, { ...facts, callerNumber: undefined })).toMatchObject({ rule: "withheld-number", message: "Withheld." });
    expect(screenCaller(screening, { ...facts, callerNumber: undefined, callType: "webCall" })).toBeUndefined();
    expect(screenCaller(screening, { ...facts, callerNumber: undefined, sipCaller: true })).toBeUndefined();
  });

  it("judges only a phone call's caller ID invalid: not a SIP extension, not a web caller's name", () => {
    expect(screenCaller(screening, { ...facts, callerNumber: "1001" })).toMatchObject({ rule: "invalid-number", message: "Invalid." });
    expect(screenCaller(screening, { ...facts, callerNumber: "1001", sipCaller: true })).toBeUndefined();
    expect(screenCaller(screening, { ...facts, callerNumber: "web-user-7", callType: "webCall" })).toBeUndefined();
    expect(screenCaller(screening, { ...facts, callerNumber: "1001", callType: "outboundPhoneCall" })).toMatchObject({
      rule: "invalid-number",
    });
  });

  it("rejects past the rate limit only", () => {
    expect(rateLimitDecision(screening, 3)).toBeUndefined();
    expect(rateLimitDecision(screening, 4)).toMatchObject({ rule: "rate-limit", message: "Too many." });
    expect(rateLimitDecision(undefined, 100)).toBeUndefined();
  });
});

describe("routeCall", () => {
  const config: AssistantConfig = {
    ...assistantConfig,
    presetByPhoneNumberId: { "pn-dispatch": "dispatch" },
    routing: [
      { name: "nowhere", when: { phoneNumberIds: ["pn-a"] }, forward: { message: "x" } },
      { name: "night", when: { hours: "closed" }, forward: { to: "+15550100999", message: "On call." } },
      { name: "front", when: { phoneNumberIds: ["pn-a"] }, serve: { squad: "frontDesk" } },
    ],
  };
  const settings = { config, timeZone: "America/New_York", transferNumber: undefined, environmentPreset: undefined };

  it("takes the first rule whose conditions all hold, passing over a forward with no destination", () => {
    const open = routeCall(settings, { callerNumber: "+15550100001", phoneNumberId: "pn-a" }, OPEN);
    expect(open).toEqual({ decision: { action: "squad", rule: "front", squad: "frontDesk" }, skipped: ["nowhere"] });
    const night = routeCall(settings, { callerNumber: "+15550100001", phoneNumberId: "pn-a" }, CLOSED);
    expect(night.decision).toEqual({ action: "forward", rule: "night", destination: "+15550100999", message: "On call." });
  });

  it("sends a forward without `to` to TRANSFER_NUMBER", () => {
    const routed = routeCall({ ...settings, transferNumber: "+15557654321" }, { callerNumber: undefined, phoneNumberId: "pn-a" }, OPEN);
    expect(routed.decision).toMatchObject({ action: "forward", rule: "nowhere", destination: "+15557654321" });
  });

  it("falls back to the preset by phone number, then ASSISTANT_PRESET, then the default", () => {
    expect(routeCall(settings, { callerNumber: undefined, phoneNumberId: "pn-dispatch" }, OPEN).decision).toEqual({
      action: "assistant",
      rule: "preset-by-phone-number",
      preset: "dispatch",
    });
    expect(
      routeCall({ ...settings, environmentPreset: "scheduling" }, { callerNumber: undefined, phoneNumberId: "pn-z" }, OPEN).decision,
    ).toMatchObject({
      rule: "ASSISTANT_PRESET",
      preset: "scheduling",
    });
    expect(routeCall(settings, { callerNumber: undefined, phoneNumberId: "pn-z" }, OPEN).decision).toMatchObject({
      rule: "default-preset",
      preset: "support",
    });
  });
});

describe("squad handoffs", () => {
  const squad = assistantConfig.squads!.frontDesk!;
  const settings = { squad, businessHours: assistantConfig.businessHours, timeZone: "America/New_York" };
  const request = { from: "reception", state: {}, recentCallerText: "" };

  it("prefer the desk the model named over the call's state and the caller's words", () => {
    const decision = decideSquadHandoff(
      settings,
      { ...request, desk: "Scheduling ", state: { department: "billing" }, recentCallerText: "my invoice" },
      OPEN,
    );
    expect(decision).toMatchObject({ kind: "handoff", member: { name: "scheduling" }, matchedBy: "desk" });
  });

  it("match keywords as whole words only among the members the speaker may hand to", () => {
    expect(decideSquadHandoff(settings, { ...request, recentCallerText: "I want to book, please" }, OPEN)).toMatchObject({
      matchedBy: "keyword",
      member: { name: "scheduling" },
    });
    expect(decideSquadHandoff(settings, { ...request, recentCallerText: "bookkeeping question" }, OPEN)).toMatchObject({
      kind: "refused",
      why: "unclear",
    });
  });

  it("send a reason in the call's state to the member listing it", () => {
    const decision = decideSquadHandoff(settings, { ...request, from: "scheduling", state: { reason: "tool-failures" } }, OPEN);
    expect(decision).toMatchObject({ kind: "handoff", member: { name: "reception" }, matchedBy: "reason" });
  });

  it("know every member's targets: all others unless handoffTo narrows them", () => {
    expect(handoffTargets(squad, squad.members[0]!).map((m) => m.name)).toEqual(["scheduling", "billing"]);
  });

  it("write a note for the next member from what is known, leaving out what is not", () => {
    expect(handoffVariables({ from: undefined, reason: undefined, summary: "", state: [] })).toEqual({
      handoffFrom: "",
      handoffReason: "",
      handoffSummary: "",
      handoffNote: "",
    });
    expect(
      handoffVariables({ from: "reception", reason: "booking", summary: "Wants Tuesday.", state: ["1 tool call failed."] }).handoffNote,
    ).toBe(
      "The caller was with the reception desk. What they said and want: Wants Tuesday. Reason for the handoff: booking. 1 tool call failed.",
    );
  });

  it("find the squad and member from metadata or name, and no squad for a preset assistant", () => {
    expect(locateSquadMember(assistantConfig, { metadata: { squad: "frontDesk", member: "billing" } })).toMatchObject({
      squadName: "frontDesk",
      member: { name: "billing" },
    });
    expect(locateSquadMember(assistantConfig, { name: "Switchboard scheduling" })?.member?.name).toBe("scheduling");
    expect(locateSquadMember(assistantConfig, { metadata: { preset: "support" } })).toBeUndefined();
    expect(locateSquadMember(assistantConfig, { metadata: { squad: "constructor" } })?.member).toBeUndefined();
  });
});

describe("the assistant configuration", () => {
  it("as shipped has no problems, and every squad member's tools exist in tools/", async () => {
    expect(assistantConfigProblems(assistantConfig)).toEqual([]);
    const tools = createRegistry(await discoverTools()).list();
    expect(
      squadToolProblems(
        assistantConfig,
        tools.map((t) => t.name),
      ),
    ).toEqual([]);
    expect(squadToolProblems(assistantConfig, ["get_business_hours"])).toContain(
      'squads.frontDesk member billing: no tool named "send_payment_link" in tools/',
    );
  });

  it("refuses opening hours that could never be open, naming the day, the value and the form expected", () => {
    const problemsOf = (businessHours: unknown) => {
      try {
        defineAssistantConfig({ ...assistantConfig, businessHours: businessHours as AssistantConfig["businessHours"] });
        return [];
      } catch (err) {
        return [...(err as AssistantConfigError).problems];
      }
    };
    expect(problemsOf({ Monday: { open: "8:00", close: "17:00" }, Tuesday: { open: "8am", close: "5pm" } })).toEqual([
      'businessHours.Monday.open: "8:00" is not a time; write "HH:MM", 24-hour ("08:00")',
      'businessHours.Tuesday.open: "8am" is not a time; write "HH:MM", 24-hour ("08:00")',
      'businessHours.Tuesday.close: "5pm" is not a time; write "HH:MM", 24-hour ("17:00", or "24:00" for midnight)',
    ]);
    expect(problemsOf({ monday: { open: "08:00", close: "17:00" }, Friday: { open: "18:00", close: "08:00" } })).toEqual([
      "businessHours.monday: not a weekday; write Monday to Sunday, capitalized (a missing day is closed)",
      'businessHours.Friday: opens at "18:00" but closes at "08:00"; the opening time must come first (for hours past midnight, close at "24:00" and open the next day at "00:00")',
    ]);
    const overnight = { Friday: { open: "18:00", close: "24:00" }, Saturday: { open: "00:00", close: "02:00" } };
    expect(problemsOf(overnight)).toEqual([]);
    expect(isOpen(overnight, "UTC", new Date("2026-01-09T23:59:00Z"))).toBe(true); // Friday
    expect(isOpen(overnight, "UTC", new Date("2026-01-10T01:30:00Z"))).toBe(true); // Saturday
    expect(isOpen(overnight, "UTC", new Date("2026-01-10T02:00:00Z"))).toBe(false);
  });

  it("refuses names Vapi would cut, unknown presets, bad numbers and duplicate rules, all at once", () => {
    const member = assistantConfig.squads!.frontDesk!.members[0]!;
    const squad: SquadConfig = { ...assistantConfig.squads!.frontDesk!, members: [member, { ...member }] };
    const config: AssistantConfig = {
      ...assistantConfig,
      name: "A business name far too long for Vapi",
      squads: { s: squad },
      structuredOutputs: undefined, // their names are checked in structured-outputs.test.ts
      screening: { blockedMessage: "x", trustedCallers: ["555"], rateLimit: { maxCalls: 0, windowSeconds: 5, message: "x" } },
      routing: [
        { name: "r", forward: { to: "555", message: "x" } },
        { name: "r", when: { callers: ["nope"] }, serve: { preset: "nope" as "support" } },
      ],
    };
    let error: unknown;
    try {
      defineAssistantConfig(config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AssistantConfigError);
    expect((error as AssistantConfigError).problems).toEqual([
      expect.stringContaining("is longer than Vapi's 40 characters"),
      "squads.s.members[1] (reception): another member has the same name",
      expect.stringContaining('squads.s.members[1] (reception): "A business name far too long for Vapi reception" is longer'),
      'screening.trustedCallers: "555" is not an E.164 number',
      "screening.rateLimit.maxCalls: must be a whole number from 1",
      "screening.rateLimit.windowSeconds: must be a whole number from 10 to 86400",
      "routing[0] (r): forward.to must be an E.164 number or a sip: URI",
      "routing[1] (r): another rule has the same name",
      'routing[1] (r): caller "nope" is not an E.164 number',
      'routing[1] (r): unknown preset "nope"',
    ]);
  });
});
