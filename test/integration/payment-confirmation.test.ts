// Protects payment confirmations against the attacks that once marked invoices paid: a link pays its own request once, for its own amount, before it expires; a replayed Stripe event is refused.
import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createStripeProvider } from "../../src/integrations/payment-providers/stripe.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { PAYMENT_GRACE_MS } from "../../src/services/billing/payments.ts";
import { callTool, givenAccount, uniquePhone } from "../support/business.ts";
import { createTestApp, TEST_PAYMENT_LINK_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { startStandIn } from "../support/stand-in-server.ts";

const db = () => testDatabase().db;

async function ledger(invoiceId: string) {
  const [row] = await db().execute<{ status: string; payments: number; paid_cents: number }>(
    sql`select i.status,
          (select count(*)::int from payments p where p.invoice_id = i.id) as payments,
          (select coalesce(sum(p.amount_cents), 0)::int from payments p where p.invoice_id = i.id) as paid_cents
        from invoices i where i.number = ${invoiceId}`,
  );
  return row;
}

/** Texts a payment link to a new caller for one invoice and returns its token. */
async function sendLink(t: TestApp, options: { caller?: string; invoiceId?: string; amountCents?: number } = {}) {
  const caller = options.caller ?? uniquePhone();
  const invoiceId =
    options.invoiceId ??
    (await givenAccount(t, caller, [{ amountCents: options.amountCents ?? 12_000, dueDate: "2099-03-13" }])).invoiceIds[0]!;
  const answer = await callTool(t, "send_payment_link", { invoiceId }, { caller });
  expect(answer.data?.sent).toBe(true);
  const [sms] = await db().execute<{ body: string }>(
    sql`select body from outbox where recipient = ${caller} order by created_at desc, id desc limit 1`,
  );
  const token = new URL(sms!.body.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
  return { caller, invoiceId, token };
}

/** POSTs a confirmation signed like a payment page does, at the app's clock. */
async function confirm(t: TestApp, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const ts = String(Math.floor(t.deps.clock.now().getTime() / 1000));
  const signature = createHmac("sha256", TEST_PAYMENT_LINK_SECRET).update(`${ts}.${raw}`).digest("hex");
  const res = await t.app.request("/payments/link/confirm", {
    method: "POST",
    headers: { "content-type": "application/json", "x-switchboard-timestamp": ts, "x-switchboard-signature": signature },
    body: raw,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

describe("a signed payment link pays once", () => {
  it("refuses a second payment id for a paid link: $120 is recorded once, not $360", async () => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "5000" } });
    const { invoiceId, token } = await sendLink(t);
    expect((await confirm(t, { token, paymentId: "pay_1" })).status).toBe(200);
    const second = await confirm(t, { token, paymentId: "pay_2" });
    const third = await confirm(t, { token, paymentId: "pay_3" });
    expect([second.status, third.status]).toEqual([409, 409]);
    expect(second.json.error).toMatchObject({ code: "already_paid" });
    expect(await ledger(invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 12_000 });
    // The first payment id again is the same payment: acknowledged, nothing changes.
    expect(await confirm(t, { token, paymentId: "pay_1" })).toMatchObject({ status: 200, json: { duplicate: true } });
    expect(await ledger(invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 12_000 });
  });

  it("applies exactly one of concurrent confirmations with different payment ids", async () => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "5000" } });
    const { invoiceId, token } = await sendLink(t);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => confirm(t, { token, paymentId: `race_${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    expect(await ledger(invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 12_000 });
  });

  it("refuses a second link for an invoice another link already paid", async () => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "5000" } });
    const first = await sendLink(t);
    const second = await sendLink(t, { caller: first.caller, invoiceId: first.invoiceId });
    expect(second.token).not.toBe(first.token);
    expect((await confirm(t, { token: first.token, paymentId: "link_a" })).status).toBe(200);
    const late = await confirm(t, { token: second.token, paymentId: "link_b" });
    expect(late.status).toBe(409);
    expect(late.json.error).toMatchObject({ code: "invoice_not_open" });
    expect(await ledger(first.invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 12_000 });
  });

  it.each([
    ["more", 36_000],
    ["less", 6_000],
    ["nothing", 0],
  ])("refuses a payment of %s than the amount requested", async (_, amountCents) => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "5000" } });
    const { invoiceId, token } = await sendLink(t);
    const refused = await confirm(t, { token, paymentId: `amount_${amountCents}`, amountCents });
    expect(refused.status).toBe(422);
    expect(refused.json.error).toMatchObject({ code: "amount_mismatch" });
    expect(refused.json.error!.message).toContain("$120.00");
    expect(await ledger(invoiceId)).toEqual({ status: "open", payments: 0, paid_cents: 0 });
    expect((await confirm(t, { token, paymentId: `exact_${amountCents}`, amountCents: 12_000 })).status).toBe(200);
  });
});

describe("a signed payment link expires", () => {
  it("refuses a confirmation after the link expired (past the grace), and accepts one within it", async () => {
    const clock = fixedClock(new Date());
    const t = await createTestApp({ clock, env: { TOOL_BUDGET_MS: "5000", PAYMENT_LINK_TTL_MINUTES: "30" } });
    const sentAt = clock.now().getTime();
    const expired = await sendLink(t);
    const inGrace = await sendLink(t);
    const expiresAt = sentAt + 30 * 60_000;

    clock.set(new Date(expiresAt + PAYMENT_GRACE_MS + 1_000));
    const refused = await confirm(t, { token: expired.token, paymentId: "too_late" });
    expect(refused.status).toBe(410);
    expect(refused.json.error).toMatchObject({ code: "expired" });
    expect(await ledger(expired.invoiceId)).toEqual({ status: "open", payments: 0, paid_cents: 0 });
    expect((await t.app.request(`/pay?token=${encodeURIComponent(expired.token)}`)).status).toBe(410);

    clock.set(new Date(expiresAt + PAYMENT_GRACE_MS - 1_000));
    expect((await confirm(t, { token: inGrace.token, paymentId: "last_second" })).status).toBe(200);
    expect(await ledger(inGrace.invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 12_000 });
  });
});

describe("Stripe webhook", () => {
  const webhookSecret = "whsec_test_tolerance_0123456789";

  async function stripeApp() {
    const stand = await startStandIn((req) =>
      req.path === "/v1/checkout/sessions"
        ? { status: 200, json: { id: `cs_test_${Date.now()}`, object: "checkout.session", url: "https://checkout.stripe.com/c/pay/cs" } }
        : { status: 404, json: { error: { message: "unexpected" } } },
    );
    const payments = createStripeProvider({
      secretKey: "sk_test_123",
      successUrl: "https://example.com/thanks",
      webhookSecret,
      host: "127.0.0.1",
      port: stand.port,
      protocol: "http",
    });
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "5000" }, providers: { payments } });
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [{ amountCents: 4_550, dueDate: "2099-03-13" }]);
    await callTool(t, "send_payment_link", { invoiceId: invoiceIds[0] }, { caller });
    const paymentRequestId = new URLSearchParams(stand.requests[0]!.body).get("metadata[payment_request_id]")!;
    return { t, invoiceId: invoiceIds[0]!, paymentRequestId };
  }

  function completed(paymentRequestId: string, options: { createdS: number; amount?: number }) {
    return JSON.stringify({
      id: `evt_${options.createdS}`,
      object: "event",
      created: options.createdS,
      type: "checkout.session.completed",
      data: {
        object: {
          id: `cs_test_${paymentRequestId}`,
          object: "checkout.session",
          payment_status: "paid",
          amount_total: options.amount ?? 4_550,
          currency: "usd",
          metadata: { payment_request_id: paymentRequestId },
        },
      },
    });
  }

  async function deliver(t: TestApp, event: string, signedAtS: number) {
    const header = await new Stripe("sk_test_123").webhooks.generateTestHeaderStringAsync({
      payload: event,
      secret: webhookSecret,
      timestamp: signedAtS,
    });
    const res = await t.app.request("/payments/stripe/webhook", {
      method: "POST",
      headers: { "stripe-signature": header, "content-type": "application/json" },
      body: event,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it("refuses a correctly signed event from a year ago, and one just past the tolerance", async () => {
    const { t, invoiceId, paymentRequestId } = await stripeApp();
    const nowS = Math.floor(Date.now() / 1000);
    const yearAgo = nowS - 365 * 86_400;
    expect((await deliver(t, completed(paymentRequestId, { createdS: yearAgo }), yearAgo)).status).toBe(400);
    expect((await deliver(t, completed(paymentRequestId, { createdS: nowS }), nowS - 301)).status).toBe(400);
    expect(await ledger(invoiceId)).toEqual({ status: "open", payments: 0, paid_cents: 0 });
    expect((await deliver(t, completed(paymentRequestId, { createdS: nowS }), nowS)).status).toBe(200);
    expect(await ledger(invoiceId)).toEqual({ status: "paid", payments: 1, paid_cents: 4_550 });
  });

  it("acknowledges but does not apply a session whose amount differs from the request, and says so in the log", async () => {
    const { t, invoiceId, paymentRequestId } = await stripeApp();
    const nowS = Math.floor(Date.now() / 1000);
    const answer = await deliver(t, completed(paymentRequestId, { createdS: nowS, amount: 100 }), nowS);
    expect(answer).toMatchObject({ status: 200, json: { received: true, reason: "amount_mismatch" } });
    expect(await ledger(invoiceId)).toEqual({ status: "open", payments: 0, paid_cents: 0 });
    expect(t.logs.some((l) => l.includes("stripe payment not applied; refund it in Stripe") && l.includes("amount_mismatch"))).toBe(true);
  });
});
