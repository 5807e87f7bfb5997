// Protects payment confirmation from whoever holds the Vapi secret: on Node's defaults the link secret is generated and kept on its own, never derived from the Vapi secret, so a confirmation signed with a key derived from it is refused.
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, describe, expect, inject, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { hmacHex, signPaymentToken } from "../../src/integrations/payment-providers/signed-link.ts";
import { createLogger } from "../../src/lib/logger.ts";
import { createNodeRuntime, type NodeRuntime, resolvePaymentLinkSecret } from "../../src/runtime/node-runtime.ts";
import { givenAccount, uniquePhone } from "../support/business.ts";
import type { TestApp } from "../support/harness.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

const VAPI_SECRET = "vapi-secret-held-by-vapi-0123456789";
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});
// Each test's runtimes stop with it: the embedded Postgres serves one connection at a time.
const running: NodeRuntime[] = [];
afterEach(async () => {
  for (const runtime of running.splice(0).reverse()) await runtime.close();
});

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "switchboard-payment-secret-"));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The Node runtime as `npm start` builds it against the run's database, with the given environment. */
async function startRuntime(
  env: Record<string, string>,
): Promise<{ runtime: NodeRuntime; app: ReturnType<typeof createApp>; logs: string[] }> {
  const config = parseConfig({
    DATABASE_URL: inject("databaseUrl"),
    DATABASE_POOL_MAX: inject("databaseKind") === "embedded" ? "1" : "4",
    VAPI_SECRET,
    WARM_UP: "false",
    ...env,
  });
  const logs: string[] = [];
  const runtime = await createNodeRuntime(config, {
    logger: createLogger({ level: "debug", sink: (l) => logs.push(l), secrets: [VAPI_SECRET] }),
  });
  running.push(runtime);
  return { runtime, app: createApp(runtime.deps), logs };
}

/** Texts a payment link through the webhook and returns the payment request behind it. */
async function sendLink(runtime: NodeRuntime, app: ReturnType<typeof createApp>) {
  const caller = uniquePhone();
  const { invoiceIds } = await givenAccount({ deps: runtime.deps } as TestApp, caller, [{ amountCents: 12_000, dueDate: "2099-03-13" }]);
  const res = await app.request("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", "x-vapi-secret": VAPI_SECRET },
    body: JSON.stringify(toolCallsMessage([{ name: "send_payment_link", args: { invoiceId: invoiceIds[0] } }], { caller })),
  });
  expect(res.status).toBe(200);
  // The runtime's own pool: the embedded Postgres serves one connection at a time.
  const [request] = await runtime.deps.db.execute<{ id: string; expires_at: string; body: string }>(
    sql`select r.id, r.expires_at::text, o.body from payment_requests r join outbox o on o.tool_call_id = r.tool_call_id where r.sent_to = ${caller}`,
  );
  const token = new URL(request!.body.match(/https?:\/\/\S+/)![0]).searchParams.get("token")!;
  return { invoiceId: invoiceIds[0]!, requestId: request!.id, expiresAt: new Date(request!.expires_at), token };
}

async function confirm(app: ReturnType<typeof createApp>, secret: string, body: unknown) {
  const raw = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", secret).update(`${ts}.${raw}`).digest("hex");
  const res = await app.request("/payments/link/confirm", {
    method: "POST",
    headers: { "content-type": "application/json", "x-switchboard-timestamp": ts, "x-switchboard-signature": signature },
    body: raw,
  });
  return res.status;
}

async function invoiceStatus(runtime: NodeRuntime, invoiceId: string) {
  const [row] = await runtime.deps.db.execute<{ status: string }>(sql`select status from invoices where number = ${invoiceId}`);
  return row!.status;
}

describe("the payment link secret on Node", () => {
  it("refuses a confirmation signed with a key derived from the Vapi secret, and accepts the generated secret's", async () => {
    const dir = await dataDir();
    const { runtime, app, logs } = await startRuntime({ DATA_DIR: dir });
    const link = await sendLink(runtime, app);

    // What anyone holding the Vapi secret could compute when the link secret was derived from it.
    const derived = await hmacHex(VAPI_SECRET, "switchboard:payment-links");
    const forged = await signPaymentToken(derived, {
      r: link.requestId,
      i: link.invoiceId,
      a: 12_000,
      c: "USD",
      e: Math.floor(link.expiresAt.getTime() / 1000),
    });
    expect(await confirm(app, derived, { token: forged, paymentId: "forged" })).toBe(401);
    expect(await confirm(app, derived, { token: link.token, paymentId: "forged" })).toBe(401);
    expect(await invoiceStatus(runtime, link.invoiceId)).toBe("open");

    const file = join(dir, "payment-link-secret");
    const kept = (await readFile(file, "utf8")).trim();
    expect(kept.length).toBeGreaterThanOrEqual(32);
    expect(kept).not.toBe(VAPI_SECRET);
    expect(kept).not.toBe(derived);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(runtime.paymentLinkSecret).toEqual({ secret: kept, generated: true, file });
    expect(await confirm(app, kept, { token: link.token, paymentId: "genuine" })).toBe(200);
    expect(await invoiceStatus(runtime, link.invoiceId)).toBe("paid");
    expect(logs.join("\n")).not.toContain(kept);
  });

  it("keeps the generated secret across restarts, so links already texted stay valid", async () => {
    const dir = await dataDir();
    const first = await startRuntime({ DATA_DIR: dir });
    const link = await sendLink(first.runtime, first.app);
    const kept = first.runtime.paymentLinkSecret!.secret;
    await first.runtime.close();
    const second = await startRuntime({ DATA_DIR: dir });
    expect(second.runtime.paymentLinkSecret?.secret).toBe(kept);
    expect(await confirm(second.app, kept, { token: link.token, paymentId: "after_restart" })).toBe(200);
  });

  it("uses PAYMENT_LINK_SECRET when set and generates nothing; needs none with Stripe", async () => {
    const dir = await dataDir();
    const configured = "configured-link-secret-0123456789";
    expect(await resolvePaymentLinkSecret(parseConfig({ DATA_DIR: dir, PAYMENT_LINK_SECRET: configured }))).toEqual({
      secret: configured,
      generated: false,
    });
    const stripe = parseConfig({
      DATA_DIR: dir,
      PAYMENT_PROVIDER: "stripe",
      STRIPE_SECRET_KEY: "sk_test_1",
      STRIPE_SUCCESS_URL: "https://example.com/thanks",
    });
    expect(await resolvePaymentLinkSecret(stripe)).toBeUndefined();
    await expect(stat(join(dir, "payment-link-secret"))).rejects.toThrow(/ENOENT/);
  });

  it("refuses a PAYMENT_LINK_SECRET equal to the Vapi secret, the HMAC secret or the API token", () => {
    const same = "the-same-secret-0123456789abcdef";
    for (const other of ["VAPI_SECRET", "VAPI_HMAC_SECRET", "API_TOKEN"]) {
      expect(() => parseConfig({ PAYMENT_LINK_SECRET: same, [other]: same })).toThrow(ConfigError);
      expect(() => parseConfig({ PAYMENT_LINK_SECRET: same, [other]: same })).toThrow(`PAYMENT_LINK_SECRET: must differ from ${other}`);
    }
  });
});
