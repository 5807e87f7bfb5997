// Protects the dispatcher's card guard: it is the shared detector, so every spelling the detector knows is refused in any argument, and ordinary ids and numbers are not.
import { describe, expect, it } from "vitest";
import { argumentsContainCard, CARD_REFUSAL } from "../../src/tools/dispatch/card-guard.ts";
import { BYPASSES } from "../support/card-spellings.ts";

describe("argumentsContainCard", () => {
  it.each(BYPASSES)("finds a card written with %s, as a value, a key or nested", (_, card) => {
    expect(argumentsContainCard({ notes: `my card is ${card} exp 12/28 cvv 123` })).toBe(true);
    expect(argumentsContainCard({ [card]: true })).toBe(true);
    expect(argumentsContainCard({ a: { b: ["x", card] } })).toBe(true);
  });

  it("finds a card given as a JSON number", () => {
    expect(argumentsContainCard({ accountNumber: 4111111111111111 })).toBe(true);
  });

  it("lets slot ids, tracking numbers, phone numbers, dates and Luhn-invalid runs through", () => {
    expect(
      argumentsContainCard({
        slotId: "7f1c2a9e-0000-4000-8000-000000000001",
        trackingNumber: "9400100000000000000000",
        phone: "+1 555 010 9999",
        date: "2026-03-04",
        reference: "4111 1111 1111 1112",
        count: 3,
      }),
    ).toBe(false);
  });

  it("offers the payment link in the refusal", () => {
    expect(CARD_REFUSAL).toMatch(/payment link/);
  });
});
