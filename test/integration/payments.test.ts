// Protects payments end to end: signed links and their confirmation webhook, Stripe Checkout and its webhook, Twilio SMS delivery, each applied exactly once.
import { createHmac } from "node:crypto";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createStripeProvider } from "../../src/integrations/payment-providers/stripe.ts";
import type { Messenger } from "../../src/integrations/sms/messenger.ts";
import { createTwilioMessenger } from "../../src/integrations/sms/twilio.ts";
import { createOutboxRelay } from "../../src/services/outbox.ts";
import { callTool, givenAccount, uniquePhone } from "../support/business.ts";
import { createTestApp, TEST_PAYMENT_LINK_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { startStandIn } from "../support/stand-in-server.ts";
import { endOfCallReport } from "../support/vapi-messages.ts";

const db = () => testDatabase().db;

async function paymentState(invoiceId: string) {
  const [row] = await db().execute<{ status: string; payments: number }>(
    sql`select i.status, (select count(*)::int from payments p where p.invoice_id = i.id) as payments from invoices i where i.number = ${invoiceId}`,
  );
  return row;
}

async function sentSms(phone: string) {
  return db().execute<{ body: string; status: string; provider_id: string | null }>(
    sql`select body, status, provider_id from outbox where recipient = ${phone} order by created_at`,
  );
}

describe("signed payment links", () => {
  async function confirm(t: TestApp, body: unknown, options: { secret?: string; timestamp?: number } = {}) {
    const raw = JSON.stringify(body);
    const ts = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const secret = options.secret ?? TEST_PAYMENT_LINK_SECRET;
    const signature = createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex");
    const res = await t.app.request("/payments/link/confirm", {
      method: "POST",
      headers: { "content-type": "application/json", "x-switchboard-timestamp": ts, "x-switchboard-signature": signature },
      body: raw,
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it("marks the invoice paid once, however often the confirmation arrives, and the balance follows at once", async () => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [{ amountCents: 12_000, dueDate: "2099-03-13" }]);
    expect((await callTool(t, "get_account_balance", {}, { caller })).data!.balance).toBe("$120.00");
    await callTool(t, "send_payment_link", {}, { caller });
    const [sms] = await sentSms(caller);
    const url = new URL(sms!.body.match(/https?:\/\/\S+/)![0]);
    const token = url.searchParams.get("token")!;

    const page = await t.app.request(`/pay?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("$120.00");

    const confirmations = await Promise.all(Array.from({ length: 5 }, () => confirm(t, { token, paymentId: "pay_123" })));
    expect(confirmations.every((c) => c.status === 200)).toBe(true);
    expect(confirmations.filter((c) => c.json.duplicate === false)).toHaveLength(1);
    expect(await paymentState(invoiceIds[0]!)).toEqual({ status: "paid", payments: 1 });
    expect((await callTool(t, "get_account_balance", {}, { caller })).data!.balance).toBe("$0.00");
    expect((await callTool(t, "send_payment_link", { invoiceId: invoiceIds[0] }, { caller })).error).toMatch(/already paid/);
  });

  it("rejects confirmations with a wrong signature, a stale timestamp, or a forged token", async () => {
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" } });
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [{ amountCents: 500, dueDate: "2099-03-13" }]);
    await callTool(t, "send_payment_link", {}, { caller });
    const token = new URL((await sentSms(caller))[0]!.body.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
    expect((await confirm(t, { token, paymentId: "p1" }, { secret: "wrong-secret-0123456789" })).status).toBe(401);
    expect((await confirm(t, { token, paymentId: "p1" }, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    const forged = `${token.split(".")[0]}.${"A".repeat(43)}`;
    expect((await confirm(t, { token: forged, paymentId: "p1" })).status).toBe(400);
    expect(await paymentState(invoiceIds[0]!)).toEqual({ status: "open", payments: 0 });
  });
});

describe("Stripe Checkout", () => {
  const webhookSecret = "whsec_test_0123456789";

  it("creates one Checkout session with the database amount and applies its webhook once", async () => {
    const stand = await startStandIn((req) =>
      req.path === "/v1/checkout/sessions"
        ? { status: 200, json: { id: "cs_test_123", object: "checkout.session", url: "https://checkout.stripe.com/c/pay/cs_test_123" } }
        : { status: 404, json: { error: { message: "unexpected" } } },
    );
    const stripeProvider = createStripeProvider({
      secretKey: "sk_test_123",
      successUrl: "https://example.com/thanks",
      webhookSecret,
      host: "127.0.0.1",
      port: stand.port,
      protocol: "http",
    });
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" }, providers: { payments: stripeProvider } });
    const caller = uniquePhone();
    const { invoiceIds } = await givenAccount(t, caller, [{ amountCents: 4_550, dueDate: "2099-03-13" }]);

    const a = await callTool(t, "send_payment_link", { invoiceId: invoiceIds[0] }, { caller, id: "call_stripe_1" });
    expect(a.data).toMatchObject({ sent: true, amount: "$45.50" });
    expect(stand.requests).toHaveLength(1);
    const form = new URLSearchParams(stand.requests[0]!.body);
    expect(form.get("line_items[0][price_data][unit_amount]")).toBe("4550");
    expect(form.get("line_items[0][price_data][currency]")).toBe("usd");
    expect(form.get("mode")).toBe("payment");
    expect(stand.requests[0]!.headers["idempotency-key"]).toBe("call_stripe_1");
    expect(stand.requests[0]!.headers.authorization).toBe("Bearer sk_test_123");
    const paymentRequestId = form.get("metadata[payment_request_id]")!;
    expect((await sentSms(caller))[0]!.body).toContain("https://checkout.stripe.com/c/pay/cs_test_123");

    const event = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "checkout.session.completed",
      data: {
        object: {
          id: "cs_test_123",
          object: "checkout.session",
          payment_status: "paid",
          amount_total: 4550,
          currency: "usd",
          metadata: { payment_request_id: paymentRequestId },
        },
      },
    });
    const header = await new Stripe("sk_test_123").webhooks.generateTestHeaderStringAsync({ payload: event, secret: webhookSecret });
    const deliver = (signature: string) =>
      t.app.request("/payments/stripe/webhook", {
        method: "POST",
        headers: { "stripe-signature": signature, "content-type": "application/json" },
        body: event,
      });

    expect((await deliver(header.replace(/v1=[0-9a-f]+/, `v1=${"0".repeat(64)}`))).status).toBe(400);
    expect(await paymentState(invoiceIds[0]!)).toEqual({ status: "open", payments: 0 });
    const first = await deliver(header);
    const again = await deliver(header);
    expect(first.status).toBe(200);
    expect(await again.json()).toMatchObject({ received: true, duplicate: true });
    expect(await paymentState(invoiceIds[0]!)).toEqual({ status: "paid", payments: 1 });
  });
});

describe("Twilio SMS", () => {
  it("delivers the payment link SMS after commit and records Twilio's id; a failure is recorded, not retried blindly", async () => {
    let fail = false;
    const stand = await startStandIn(() =>
      fail ? { status: 400, json: { code: 21211, message: "Invalid 'To' Phone Number" } } : { status: 201, json: { sid: "SM123" } },
    );
    const messenger = createTwilioMessenger({ accountSid: "AC123", authToken: "tok", from: "+15550009999", baseUrl: stand.url });
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" }, providers: { messenger } });
    const caller = uniquePhone();
    await givenAccount(t, caller, [
      { amountCents: 100, dueDate: "2099-03-13" },
      { amountCents: 200, dueDate: "2099-04-13" },
    ]);

    await callTool(t, "send_payment_link", {}, { caller });
    // Sent after the answer (off its path): wait for the row to say how it went.
    await expect.poll(async () => (await sentSms(caller)).map((r) => [r.status, r.provider_id])).toEqual([["sent", "SM123"]]);
    expect(stand.requests).toHaveLength(1);
    const req = stand.requests[0]!;
    expect(req.path).toBe("/2010-04-01/Accounts/AC123/Messages.json");
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from("AC123:tok").toString("base64")}`);
    const form = new URLSearchParams(req.body);
    expect(form.get("To")).toBe(caller);
    expect(form.get("From")).toBe("+15550009999");
    expect(form.get("Body")).toMatch(/pay invoice .* \(\$1\.00\) securely here: http/);
    expect((await sentSms(caller)).map((r) => [r.status, r.provider_id])).toEqual([["sent", "SM123"]]);

    fail = true;
    const second = await callTool(t, "send_payment_link", {}, { caller });
    expect(second.data!.sent).toBe(true);
    await expect.poll(async () => (await sentSms(caller)).map((r) => r.status)).toEqual(["sent", "failed"]);
    expect(t.logs.some((l) => l.includes('"sms delivery failed"'))).toBe(true);
  });

  it("sends again only what Twilio certainly did not take (429, never reached), after its wait, once; a 500 is failed, never sent twice", async () => {
    const caller = uniquePhone();
    const other = uniquePhone();
    // Answers per recipient: other files' due messages may reach this stand-in too (they get a 201).
    let callerTries = 0;
    const stand = await startStandIn((req) => {
      const to = new URLSearchParams(req.body).get("To");
      if (to === caller) {
        return ++callerTries === 1
          ? { status: 429, json: { code: 20429, message: "Too Many Requests" } }
          : { status: 201, json: { sid: "SM-again" } };
      }
      if (to === other) return { status: 500, json: { message: "Internal error" } };
      return { status: 201, json: { sid: "SM-other" } };
    });
    const messenger = createTwilioMessenger({ accountSid: "AC123", authToken: "tok", from: "+15550009999", baseUrl: stand.url });
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" }, providers: { messenger } });
    const relay = t.deps.services.outbox;
    // Other files' messages may be due as well: count only this test's.
    const sentTo = (...phones: string[]) =>
      stand.requests.filter((r) => phones.includes(new URLSearchParams(r.body).get("To") ?? "")).length;
    await givenAccount(t, caller, [{ amountCents: 100, dueDate: "2099-03-13" }]);
    const state = async () =>
      (
        await db().execute<{ status: string; attempts: number; provider_id: string | null; due: boolean }>(
          sql`select status, attempts, provider_id, next_attempt_at <= now() as due from outbox where recipient = ${caller}`,
        )
      )[0];

    await callTool(t, "send_payment_link", {}, { caller });
    await expect.poll(async () => (await state())?.attempts).toBe(1);
    expect(sentTo(caller)).toBe(1);
    expect(await state()).toMatchObject({ status: "pending", attempts: 1, provider_id: null, due: false });
    expect(t.logs.some((l) => l.includes('"sms not sent; it will be tried again"'))).toBe(true);
    // Not due yet: nothing is sent.
    await relay.redeliverDue();
    expect(sentTo(caller)).toBe(1);
    // Its wait is over: sent once, and never again.
    await db().execute(sql`update outbox set next_attempt_at = now() - interval '1 second' where recipient = ${caller}`);
    await relay.redeliverDue();
    expect(sentTo(caller)).toBe(2);
    expect(await state()).toMatchObject({ status: "sent", attempts: 2, provider_id: "SM-again" });
    await relay.redeliverDue();
    expect(sentTo(caller)).toBe(2);

    // A 500 may have been delivered: recorded failed, not tried again.
    await givenAccount(t, other, [{ amountCents: 300, dueDate: "2099-03-13" }]);
    await callTool(t, "send_payment_link", {}, { caller: other });
    await expect.poll(async () => (await sentSms(other)).map((r) => r.status)).toEqual(["failed"]);
    expect(sentTo(other)).toBe(1);
    await db().execute(sql`update outbox set created_at = now() - interval '5 minutes' where recipient = ${other}`);
    await relay.redeliverDue();
    expect(sentTo(other)).toBe(1);
  });

  it("sends a message its process never tried (stopped between commit and send) when a call ends, and gives up on old ones", async () => {
    const stand = await startStandIn(() => ({ status: 201, json: { sid: "SM-recovered" } }));
    const messenger = createTwilioMessenger({ accountSid: "AC123", authToken: "tok", from: "+15550009999", baseUrl: stand.url });
    const t = await createTestApp({ providers: { messenger } });
    const left = uniquePhone();
    const old = uniquePhone();
    await db().execute(
      sql`insert into outbox (channel, recipient, body, created_at) values
          ('sms', ${left}, 'Your link: https://pay.example.com/x', now() - interval '61 seconds'),
          ('sms', ${old}, 'Your link: https://pay.example.com/y', now() - interval '2 hours')`,
    );
    const { status } = await t.webhook(endOfCallReport(2_000));
    expect(status).toBe(200);
    await expect.poll(async () => (await sentSms(left)).map((r) => [r.status, r.provider_id])).toEqual([["sent", "SM-recovered"]]);
    const recipients = stand.requests.map((r) => new URLSearchParams(r.body).get("To"));
    expect(recipients.filter((to) => to === left)).toHaveLength(1);
    expect(recipients).not.toContain(old);
    expect((await sentSms(old)).map((r) => r.status)).toEqual(["pending"]);
  });

  it("answers within the tool's budget while Twilio is slow, and keeps a message Twilio took `sent` even when recording its id fails", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow: Messenger = {
      kind: "twilio",
      async send() {
        await held;
        return { providerId: "SM-slow" };
      },
    };
    const t = await createTestApp({ env: { TOOL_BUDGET_MS: "3000" }, providers: { messenger: slow } });
    const caller = uniquePhone();
    await givenAccount(t, caller, [{ amountCents: 100, dueDate: "2099-03-13" }]);
    // The answer comes while the send is still held: it does not wait for Twilio.
    const answer = await callTool(t, "send_payment_link", {}, { caller });
    expect(answer.data!.sent).toBe(true);
    await expect.poll(async () => (await sentSms(caller)).map((r) => [r.status, r.provider_id])).toEqual([["sent", null]]);
    release();
    await expect.poll(async () => (await sentSms(caller))[0]?.provider_id).toBe("SM-slow");

    // Twilio took it, then recording its id fails (Postgres refuses the NUL in this one): still
    // `sent`, never `failed`, which an operator might send again.
    const took = uniquePhone();
    const [row] = await db().execute<{ id: string }>(
      sql`insert into outbox (channel, recipient, body) values ('sms', ${took}, 'Your link') returning id`,
    );
    const relay = createOutboxRelay({
      db: db(),
      logger: t.deps.logger,
      messenger: { kind: "twilio", send: async () => ({ providerId: "SM\u0000took" }) },
    });
    await relay.deliver(row!.id);
    expect((await sentSms(took)).map((r) => [r.status, r.provider_id])).toEqual([["sent", null]]);
    expect(t.logs.some((l) => l.includes('"sms sent; its provider id was not recorded"'))).toBe(true);
  });
});
