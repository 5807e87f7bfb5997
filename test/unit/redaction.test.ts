// Protects call-record privacy: card numbers, long digit runs, e-mails and the caller's own number never reach storage.
import { describe, expect, it } from "vitest";
import { redactDeep, redactPersonalData } from "../../src/lib/redaction.ts";

describe("redactPersonalData", () => {
  it("removes card numbers however they are spaced", () => {
    expect(redactPersonalData("my card is 4111 1111 1111 1111 thanks")).toBe("my card is [card number] thanks");
    expect(redactPersonalData("4111-1111-1111-1111")).toBe("[card number]");
    expect(redactPersonalData("4111111111111111")).toBe("[card number]");
  });

  it("removes other long digit runs but keeps short numbers and dates", () => {
    expect(redactPersonalData("account 12345678, ssn 123-45-6789")).toBe("account [number], ssn [number]");
    expect(redactPersonalData("order 4411 on 2026-03-04 at 15:30")).toBe("order 4411 on 2026-03-04 at 15:30");
  });

  it("removes e-mail addresses", () => {
    expect(redactPersonalData("write to dana.smith+x@example.co.uk please")).toBe("write to [email] please");
  });

  it("marks the caller's own number, with or without country code and separators", () => {
    const caller = "+15551234567";
    expect(redactPersonalData("call me on +15551234567", { callerNumber: caller })).toBe("call me on [caller number]");
    expect(redactPersonalData("it's 555-123-4567", { callerNumber: caller })).toBe("it's [caller number]");
    expect(redactPersonalData("or 555 987 6543", { callerNumber: caller })).toBe("or [number]");
  });

  it("replaces the server's own secrets whole, before any digit in them is read as a number", () => {
    const secrets = ["attacksq-secret-0123456789", "sk_live_0123456789abcdef"];
    expect(redactPersonalData("token attacksq-secret-0123456789 and sk_live_0123456789abcdef.", { secrets })).toBe(
      "token [secret] and [secret].",
    );
    expect(redactDeep({ "attacksq-secret-0123456789": ["sk_live_0123456789abcdef"] }, { secrets })).toEqual({ "[secret]": ["[secret]"] });
  });

  it("keeps tracking references that mix letters and digits", () => {
    expect(redactPersonalData("parcel 1Z999AA10123456784 is late")).toBe("parcel 1Z999AA10123456784 is late");
  });

  it("redacts every string inside structured data", () => {
    expect(redactDeep({ a: ["mail x@y.com"], b: { c: "4111111111111111", n: 3 } })).toEqual({
      a: ["mail [email]"],
      b: { c: "[card number]", n: 3 },
    });
  });
});
