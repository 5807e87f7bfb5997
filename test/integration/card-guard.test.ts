// Protects the promise that a card number spoken into any tool argument is refused and never stored or logged.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { ARGUMENTS_TOO_LARGE, CARD_REFUSAL } from "../../src/tools/dispatch/card-guard.ts";
import { callTool, givenSlots, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
});

const CARDS = ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "6011000990139424"];

async function tablesContaining(digits: string): Promise<string[]> {
  const found: string[] = [];
  for (const table of ["tool_calls", "appointments", "customers", "outbox", "payment_requests", "shipment_events"]) {
    const rows = await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from ${sql.identifier(table)} t where regexp_replace(t::text, '[^0-9]', '', 'g') like ${`%${digits}%`}`,
    );
    if (rows[0]!.n > 0) found.push(table);
  }
  return found;
}

describe("card numbers in tool arguments", () => {
  it.each(CARDS)("refuses %s in any argument of a side-effecting tool, and keeps it nowhere", async (card) => {
    const caller = uniquePhone();
    const { slotIds } = await givenSlots(t, [200]);
    const digits = card.replace(/\D/g, "");
    const a = await callTool(
      t,
      "book_appointment",
      { slotId: slotIds[0], customerName: "Sam", notes: `my card is ${card} exp 12/29` },
      { caller },
    );
    expect(a.error).toBe(CARD_REFUSAL);
    expect(a.result).toBeUndefined();
    expect(await tablesContaining(digits)).toEqual([]);
    const [row] = await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from appointments where slot_id = ${slotIds[0]}`,
    );
    expect(row!.n).toBe(0);
    expect(t.logs.join("\n").replace(/\D/g, "")).not.toContain(digits);
  });

  it("refuses a card in read-only tools too, as a number or nested anywhere", async () => {
    expect((await callTool(t, "get_shipment_status", { trackingNumber: "4111111111111111" })).error).toBe(CARD_REFUSAL);
    expect((await callTool(t, "get_account_balance", { accountNumber: 4111111111111111 })).error).toBe(CARD_REFUSAL);
    expect((await callTool(t, "send_payment_link", { extra: { deep: ["4111-1111-1111-1111"] } })).error).toBe(CARD_REFUSAL);
    expect(t.logs.join("\n")).not.toMatch(/4111.?1111.?1111.?1111/);
  });

  it("lets ordinary digit runs through: tracking numbers, phone numbers, non-Luhn runs", async () => {
    for (const trackingNumber of ["9400100000000000000000", "4111111111111112", "+1 555 010 9999"]) {
      const a = await callTool(t, "get_shipment_status", { trackingNumber });
      expect(a.error).toMatch(/couldn't find a shipment/);
    }
  });

  it("answers an argument too long to check, or one holding a NUL, as the model's mistake: never as a card or our outage", async () => {
    const { slotIds } = await givenSlots(t, [201]);
    const huge = await callTool(t, "get_shipment_status", { trackingNumber: "a".repeat(1_000_001) });
    expect(huge.error).toBe(ARGUMENTS_TOO_LARGE);
    expect(t.logs.join("\n")).toContain("arguments too large to check for card numbers");
    const nul = await callTool(t, "book_appointment", { slotId: slotIds[0], customerName: "Jo\u0000rdan" }, { caller: uniquePhone() });
    expect(nul.error).toMatch(/^Invalid arguments: text must not contain NUL/);
    expect(nul.error).not.toMatch(/couldn't complete the booking/);
  });
});
