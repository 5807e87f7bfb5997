// Protects get_account_balance and send_payment_link: caller scoping, amounts from the database only, one link per toolCallId, and the outbox.
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyPaymentToken } from "../../src/integrations/payment-providers/signed-link.ts";
import { callTool, givenAccount, uniquePhone } from "../support/business.ts";
import { createTestApp, TEST_PAYMENT_LINK_SECRET, type TestApp, testDatabase } from "../support/harness.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
});

const db = () => testDatabase().db;

describe("get_account_balance", () => {
  it("answers the balance of open invoices and the next due date", async () => {
    const caller = uniquePhone();
    const { accountNumber, invoiceIds } = await givenAccount(t, caller, [
      { amountCents: 12_000, dueDate: "2099-03-13" },
      { amountCents: 4_550, dueDate: "2099-04-13" },
      { amountCents: 9_999, dueDate: "2099-01-01", status: "paid" },
    ]);
    const a = await callTool(t, "get_account_balance", {}, { caller });
    expect(a.data).toEqual({
      accountNumber,
      balance: "$165.50",
      dueDate: "Friday, March 13, 2099",
      overdue: false,
      openInvoices: [
        { invoiceId: invoiceIds[0], amount: "$120.00", dueDate: "Friday, March 13, 2099" },
        { invoiceId: invoiceIds[1], amount: "$45.50", dueDate: "Monday, April 13, 2099" },
      ],
    });
  });

  it("never shows another caller's account, even by its number", async () => {
    const owner = uniquePhone();
    const { accountNumber } = await givenAccount(t, owner, [{ amountCents: 500, dueDate: "2099-01-01" }]);
    const other = await callTool(t, "get_account_balance", { accountNumber }, { caller: uniquePhone() });
    expect(other.error).toMatch(/couldn't find that account number for the phone number you're calling from/);
    expect(other.error).not.toContain("$5.00");
    expect((await callTool(t, "get_account_balance", {}, { caller: uniquePhone() })).error).toMatch(/don't see an account/);
    expect((await callTool(t, "get_account_balance", {}, { caller: null })).error).toMatch(/can't see the number/);
  });

  it("rejects invalid arguments, naming the field", async () => {
    expect((await callTool(t, "get_account_balance", { accountNumber: "" })).error).toMatch(/^Invalid arguments: "accountNumber"/);
  });
});

describe("send_payment_link", () => {
  it("texts the caller a signed, expiring link for the invoice due first, with the amount from the database", async () => {
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [
      { amountCents: 4_550, dueDate: "2099-04-13" },
      { amountCents: 12_000, dueDate: "2099-03-13" },
    ]);
    const a = await callTool(t, "send_payment_link", {}, { caller });
    expect(a.data).toMatchObject({ sent: true, invoiceId: invoiceIds[1], amount: "$120.00", to: `ending in ${caller.slice(-4)}` });
    expect(a.result).not.toContain("http");

    const [sms] = await db().execute<{ body: string; status: string }>(sql`select body, status from outbox where recipient = ${caller}`);
    expect(sms!.status).toBe("pending");
    const token = new URL(sms!.body.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
    const check = await verifyPaymentToken(TEST_PAYMENT_LINK_SECRET, token, Date.now());
    expect(check).toMatchObject({ ok: true, token: { i: invoiceIds[1], a: 12_000, c: "USD" } });
    if (check.ok) expect(check.token.e * 1000).toBeGreaterThan(Date.now() + 23 * 3_600_000);
  });

  it("sends one link for ten concurrent deliveries of the same toolCallId", async () => {
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [{ amountCents: 700, dueDate: "2099-01-01" }]);
    const id = `call_${Math.random().toString(36).slice(2)}`;
    const callId = `call-${Math.random().toString(36).slice(2)}`;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => callTool(t, "send_payment_link", { invoiceId: invoiceIds[0] }, { caller, id, callId })),
    );
    expect(new Set(answers.map((a) => a.result)).size).toBe(1);
    expect(answers[0]!.data!.sent).toBe(true);
    const [counts] = await db().execute<{ sms: number; requests: number }>(
      sql`select (select count(*)::int from outbox where recipient = ${caller}) as sms,
                 (select count(*)::int from payment_requests where sent_to = ${caller}) as requests`,
    );
    expect(counts).toEqual({ sms: 1, requests: 1 });
  });

  it("refuses another caller's invoice, a paid one, and callers without invoices", async () => {
    const owner = uniquePhone();
    const { invoiceIds } = await givenAccount(t, owner, [
      { amountCents: 100, dueDate: "2099-01-01" },
      { amountCents: 200, dueDate: "2099-01-01", status: "paid" },
    ]);
    const stranger = uniquePhone();
    expect((await callTool(t, "send_payment_link", { invoiceId: invoiceIds[0] }, { caller: stranger })).error).toMatch(
      /couldn't find that invoice/,
    );
    expect((await callTool(t, "send_payment_link", { invoiceId: invoiceIds[1] }, { caller: owner })).error).toMatch(/already paid/);
    expect((await callTool(t, "send_payment_link", {}, { caller: stranger })).error).toMatch(/don't see any open invoices/);
    const [row] = await db().execute<{ n: number }>(sql`select count(*)::int as n from outbox where recipient in (${stranger}, ${owner})`);
    expect(row!.n).toBe(0);
  });

  it("rejects invalid arguments, naming the field", async () => {
    expect((await callTool(t, "send_payment_link", { invoiceId: 1001 })).error).toMatch(/^Invalid arguments: "invoiceId"/);
  });

  it("takes no amount from the model: an amount in the arguments is ignored", async () => {
    const caller = uniquePhone();
    await givenAccount(t, caller, [{ amountCents: 700, dueDate: "2099-01-01" }]);
    const a = await callTool(t, "send_payment_link", { amount: 1, amountCents: 1 }, { caller });
    expect(a.data!.amount).toBe("$7.00");
    const [req] = await db().execute<{ amount_cents: number }>(sql`select amount_cents from payment_requests where sent_to = ${caller}`);
    expect(req!.amount_cents).toBe(700);
  });
});
