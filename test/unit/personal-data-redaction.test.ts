// Protects call-record privacy with the linear redaction: card numbers with their expiry and CVV, long digit runs, e-mails and the caller's own number never reach storage, whatever their spelling, in text or in structured data of any shape.
import { describe, expect, it } from "vitest";
import {
  MAX_REDACTED_DEPTH,
  MAX_REDACTED_FIELD_CHARS,
  MAX_REDACTED_NODES,
  redactDeep,
  redactPersonalData,
  TOO_DEEP_MARKER,
  TRUNCATION_MARKER,
} from "../../src/lib/redaction.ts";

describe("redactPersonalData", () => {
  it("removes card numbers however they are spaced", () => {
    expect(redactPersonalData("my card is 4111 1111 1111 1111 thanks")).toBe("my card is [card number] thanks");
    expect(redactPersonalData("4111-1111-1111-1111")).toBe("[card number]");
    expect(redactPersonalData("4111111111111111")).toBe("[card number]");
    expect(redactPersonalData("it's 4111. 1111. 1111. 1111. Thanks.")).toBe("it's [card number]. Thanks.");
    expect(redactPersonalData("Amex 3782 822463 10005, exp 12/28, cvv 1234.")).toBe("Amex [card number].");
    expect(redactPersonalData("four one one one, one one one one, one one one one, one one one one")).toBe("[card number]");
  });

  it("removes other long digit runs but keeps short numbers, dates, times, amounts and lists", () => {
    expect(redactPersonalData("account 12345678, ssn 123-45-6789")).toBe("account [number], ssn [number]");
    expect(redactPersonalData("order 4411 on 2026-03-04 at 15:30")).toBe("order 4411 on 2026-03-04 at 15:30");
    expect(redactPersonalData("due 2026-03-04T10:00:00Z, quote $1,250,000.00")).toBe("due 2026-03-04T10:00:00Z, quote $1,250,000.00");
    expect(redactPersonalData("slots 9, 10, 11, 14 and 15 on 12/05/2026")).toBe("slots 9, 10, 11, 14 and 15 on 12/05/2026");
  });

  it("removes long numbers written with pauses, spaced dashes, full-width digits or words", () => {
    expect(redactPersonalData("my number is 555, 010, 9999.")).toBe("my number is [number].");
    expect(redactPersonalData("it's 555 - 010 - 9999")).toBe("it's [number]");
    expect(redactPersonalData("５５５０１０９９９９")).toBe("[number]");
    expect(redactPersonalData("five five five, oh one oh, nine nine nine nine")).toBe("[number]");
    expect(redactPersonalData("call +44 20 7946 0958")).toBe("call [number]");
  });

  it("removes e-mail addresses", () => {
    expect(redactPersonalData("write to dana.smith+x@example.co.uk please")).toBe("write to [email] please");
    expect(redactPersonalData("a@b@c.com and x.y@z.org.")).toBe("a@[email] and [email].");
    expect(redactPersonalData("not an address: @home, a@b, user@localhost")).toBe("not an address: @home, a@b, user@localhost");
  });

  it("marks the caller's own number, with or without country code and separators", () => {
    const caller = "+15551234567";
    expect(redactPersonalData("call me on +15551234567", { callerNumber: caller })).toBe("call me on [caller number]");
    expect(redactPersonalData("it's 555-123-4567", { callerNumber: caller })).toBe("it's [caller number]");
    expect(redactPersonalData("or +1 (555) 123-4567", { callerNumber: caller })).toBe("or [caller number]");
    expect(redactPersonalData("or 555 987 6543", { callerNumber: caller })).toBe("or [number]");
    expect(redactPersonalData("ref 55512345678", { callerNumber: caller })).toBe("ref [number]");
  });

  it("keeps tracking references that mix letters and digits, and UUIDs", () => {
    expect(redactPersonalData("parcel 1Z999AA10123456784 is late")).toBe("parcel 1Z999AA10123456784 is late");
    expect(redactPersonalData("slot abcdef12-3456-7890-1234-5671abcdef12")).toBe("slot abcdef12-3456-7890-1234-5671abcdef12");
  });

  it("drops NUL characters, which Postgres text cannot hold", () => {
    expect(redactPersonalData("a\u0000b 4111\u00001111 1111 1111")).toBe("ab [card number]");
  });

  it("caps a field, ending with a marker, without leaving a card behind", () => {
    const long = `${"word ".repeat(MAX_REDACTED_FIELD_CHARS)}4111 1111 1111 1111`;
    const out = redactPersonalData(long);
    expect(out.length).toBeLessThanOrEqual(MAX_REDACTED_FIELD_CHARS);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
    const cards = `${"4111 1111 1111 1111 ".repeat(MAX_REDACTED_FIELD_CHARS / 10)}`;
    expect(redactPersonalData(cards)).not.toMatch(/\d/);
    expect(redactPersonalData("short")).toBe("short");
  });
});

describe("redactDeep", () => {
  it("redacts every string inside structured data, keys and card numbers given as numbers too", () => {
    expect(redactDeep({ a: ["mail x@y.com"], b: { c: "4111111111111111", n: 3, card: 4111111111111111 } })).toEqual({
      a: ["mail [email]"],
      b: { c: "[card number]", n: 3, card: "[card number]" },
    });
    expect(redactDeep({ "4111111111111111": "visa", "4222222222222": "old visa", "dana@example.com": true })).toEqual({
      "[card number]": "visa",
      "[card number] (2)": "old visa",
      "[email]": true,
    });
    expect(redactDeep(["555-123-4567", null, true, 1.5], { callerNumber: "+15551234567" })).toEqual(["[caller number]", null, true, 1.5]);
  });

  it("keeps a __proto__ key from parsed JSON as a plain key", () => {
    const out = redactDeep(JSON.parse('{"__proto__": {"polluted": "4111111111111111"}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyNames(out)).toEqual(["__proto__"]);
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":"[card number]"}}');
  });

  it("keeps the order of keys and elements", () => {
    const out = redactDeep({ z: 1, a: [3, 2, 1], m: { y: "x", b: "y" } });
    expect(JSON.stringify(out)).toBe('{"z":1,"a":[3,2,1],"m":{"y":"x","b":"y"}}');
  });

  it("survives nesting 50,000 deep without recursion, replacing what is too deep with a marker", () => {
    let deep: unknown = "4111 1111 1111 1111";
    for (let i = 0; i < 50_000; i++) deep = i % 2 === 0 ? [deep] : { next: deep };
    let out = redactDeep(deep);
    let depth = 0;
    while (out !== null && typeof out === "object") {
      out = Array.isArray(out) ? out[0] : (out as { next: unknown }).next;
      depth++;
    }
    expect(depth).toBe(MAX_REDACTED_DEPTH);
    expect(out).toBe(TOO_DEEP_MARKER);
  });

  it("stops after a bounded number of values", () => {
    const wide = new Array(MAX_REDACTED_NODES + 10).fill("x");
    const out = redactDeep(wide);
    expect(out.length).toBe(wide.length);
    expect(out.at(-1)).toBe(TOO_DEEP_MARKER);
    expect(out[0]).toBe("x");
  });
});
