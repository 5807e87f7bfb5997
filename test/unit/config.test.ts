// Protects start-up configuration: defaults that work with nothing set, and a clear message naming each bad variable.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";

describe("parseConfig", () => {
  it("works with an empty environment", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      TOOL_BUDGET_MS: 200,
      MAX_BODY_BYTES: 8 * 1024 * 1024,
      BUSINESS_TIMEZONE: "America/New_York",
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.VAPI_SECRET).toBeUndefined();
  });

  it("gives each duration once in the unit the code uses", () => {
    const config = parseConfig({ CALL_STATE_TTL_SECONDS: "90", CALLER_PROFILE_TTL_SECONDS: "30", PAYMENT_LINK_TTL_MINUTES: "45" });
    expect(config.durations).toEqual({ callStateTtlMs: 90_000, callerProfileTtlMs: 30_000, paymentLinkTtlMs: 2_700_000 });
    expect(config.CALL_STATE_TTL_SECONDS).toBe(90);
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ DATABASE_URL: "", REDIS_URL: " ", VAPI_SECRET: "" })).toMatchObject({
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      VAPI_SECRET: undefined,
    });
  });

  it("names every bad variable", () => {
    let error: unknown;
    try {
      parseConfig({
        PORT: "http",
        DATABASE_URL: "mysql://x",
        BUSINESS_TIMEZONE: "Mars/Olympus",
        VAPI_SECRET: "short",
        TRANSFER_NUMBER: "555-1234",
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["PORT", "DATABASE_URL", "BUSINESS_TIMEZONE", "VAPI_SECRET", "TRANSFER_NUMBER"])
      expect(message).toContain(`${name}:`);
  });

  it("accepts a SIP URI as the transfer destination", () => {
    expect(parseConfig({ TRANSFER_NUMBER: "sip:desk@pbx.example.com" }).TRANSFER_NUMBER).toBe("sip:desk@pbx.example.com");
  });
});
