// Protects human handoff routing: department, reason and keyword rules, business hours and the fallback destination.
import { describe, expect, it } from "vitest";
import assistantConfig from "../../assistant.config.ts";
import type { HandoffSettings } from "../../src/assistant/handoff.ts";
import { decideTransfer, readTransferRequest } from "../../src/assistant/handoff.ts";
import { transfersLine } from "../../src/runtime/start-node-server.ts";

const settings: HandoffSettings = {
  handoff: {
    rules: [
      { department: "billing", keywords: ["invoice", "refund"], hours: "business", destination: "+15550000001", message: "Billing now." },
      {
        department: "dispatch",
        keywords: ["driver"],
        hours: "always",
        destination: "sip:dispatch@pbx.example.com",
        message: "Dispatch now.",
      },
      { department: "support", reasons: ["tool-failures"], hours: "always", message: "Support now." },
    ],
    closedMessage: "We are closed.",
    unavailableMessage: "Nobody is available.",
  },
  businessHours: { Monday: { open: "09:00", close: "17:00" } },
  timeZone: "UTC",
  fallbackDestination: "+15559999999",
  fallbackMessage: "Connecting you.",
};
const mondayNoon = new Date("2026-01-05T12:00:00Z");
const mondayNight = new Date("2026-01-05T20:00:00Z");

describe("decideTransfer", () => {
  it("routes a named department to its number while open", () => {
    const d = decideTransfer(settings, { department: "Billing", recentCallerText: "" }, mondayNoon);
    expect(d).toMatchObject({ rule: "billing", matchedBy: "department", open: true });
    expect(d.response).toEqual({
      destination: { type: "number", number: "+15550000001", message: "Billing now." },
    });
  });

  it("picks a rule by keywords in the caller's words, and speaks the closed message after hours", () => {
    const d = decideTransfer(settings, { recentCallerText: "I want a refund for this invoice" }, mondayNight);
    expect(d).toMatchObject({ rule: "billing", matchedBy: "keyword", open: false });
    expect(d.response).toEqual({ error: "We are closed." });
  });

  it("sends closed rules to the after-hours destination when there is one", () => {
    const withOnCall = {
      ...settings,
      handoff: { ...settings.handoff, afterHoursDestination: "+15551112222", afterHoursMessage: "On call." },
    };
    const d = decideTransfer(withOnCall, { department: "billing", recentCallerText: "" }, mondayNight);
    expect(d.response.destination).toMatchObject({ type: "number", number: "+15551112222", message: "On call." });
  });

  it("routes a SIP destination at any hour, and a reason to its rule with the fallback number", () => {
    expect(decideTransfer(settings, { recentCallerText: "I'm the driver" }, mondayNight).response.destination).toMatchObject({
      type: "sip",
      sipUri: "sip:dispatch@pbx.example.com",
    });
    const byReason = decideTransfer(settings, { reason: "tool-failures", recentCallerText: "" }, mondayNight);
    expect(byReason).toMatchObject({ rule: "support", matchedBy: "reason" });
    expect(byReason.response.destination).toMatchObject({ number: "+15559999999", message: "Support now." });
  });

  it("falls back to TRANSFER_NUMBER, or a spoken error when there is none", () => {
    expect(decideTransfer(settings, { recentCallerText: "hello" }, mondayNight)).toMatchObject({ rule: "general", matchedBy: "fallback" });
    const none = { ...settings, fallbackDestination: undefined };
    expect(decideTransfer(none, { recentCallerText: "" }, mondayNoon).response).toEqual({ error: "Nobody is available." });
  });
});

describe("readTransferRequest", () => {
  it("reads transferCall arguments and the caller's last turns from the artifact", () => {
    const request = readTransferRequest({
      artifact: {
        messages: [
          { role: "bot", message: "How can I help?" },
          { role: "user", message: "I have a question about my invoice" },
          { role: "tool_calls", toolCalls: [{ function: { name: "transferCall", arguments: '{"department":"billing"}' } }] },
        ],
      },
    });
    expect(request).toEqual({ department: "billing", reason: undefined, recentCallerText: "I have a question about my invoice" });
  });

  it("tolerates OpenAI-formatted messages and missing data", () => {
    expect(readTransferRequest({ messagesOpenAIFormatted: [{ role: "user", content: "driver here" }] }).recentCallerText).toBe(
      "driver here",
    );
    expect(readTransferRequest({})).toEqual({ department: undefined, reason: undefined, recentCallerText: "" });
  });
});

describe("the start-up banner's transfers line", () => {
  const assistant = { ...assistantConfig, handoff: settings.handoff };

  it("lists each destination with the departments it serves, and who reaches nobody", () => {
    expect(transfersLine({ assistant }, { TRANSFER_NUMBER: "+15559999999" })).toBe(
      "+15550000001 (billing); sip:dispatch@pbx.example.com (dispatch); +15559999999 (support, others)",
    );
    expect(transfersLine({ assistant }, { TRANSFER_NUMBER: undefined })).toBe(
      "+15550000001 (billing); sip:dispatch@pbx.example.com (dispatch); nobody (support, others)",
    );
  });

  it("says plainly when no transfer is configured", () => {
    expect(transfersLine({}, { TRANSFER_NUMBER: undefined })).toMatch(/^not configured \(set TRANSFER_NUMBER\)/);
  });
});
