// Protects start-up configuration: defaults that work with nothing set, and a clear message naming each bad variable.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig, serverSecrets } from "../../src/config.ts";

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

describe("serverSecrets", () => {
  it("lists every configured secret and those resolved at start, once each, leaving out any too short to scrub", () => {
    const config = parseConfig({
      VAPI_SECRET: "vapi-secret-0123456789",
      API_TOKEN: "api-token-0123456789abcdefgh",
      PAYMENT_LINK_SECRET: "link-secret-0123456789",
      VAPI_HMAC_SECRET: "hmac-secret-0123456789",
      VAPI_API_KEY: "vapi-key-0123456789",
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_0123456789",
      STRIPE_WEBHOOK_SECRET: "whsec_0123456789",
      STRIPE_SUCCESS_URL: "https://example.com/paid",
      TWILIO_ACCOUNT_SID: "AC0123456789",
      TWILIO_AUTH_TOKEN: "twilio-token-0123456789",
      TWILIO_FROM: "+15550100000",
    });
    expect(serverSecrets(config, ["vapi-secret-0123456789", "generated-0123456789", "short", undefined]).sort()).toEqual(
      [
        "vapi-secret-0123456789",
        "hmac-secret-0123456789",
        "api-token-0123456789abcdefgh",
        "link-secret-0123456789",
        "vapi-key-0123456789",
        "sk_test_0123456789",
        "whsec_0123456789",
        "twilio-token-0123456789",
        "generated-0123456789",
      ].sort(),
    );
  });
});
