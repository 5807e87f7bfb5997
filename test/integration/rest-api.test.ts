// Protects the REST API: it fails closed without API_TOKEN, checks the bearer token, validates bodies, upserts idempotently, and its writes reach callers at once through the cache.
// biome-ignore-all lint/suspicious/noExplicitAny: responses are read freely; a wrong shape fails the assertions
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { callTool, uniqueCode, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";

const API_TOKEN = "api-token-0123456789abcdef-xyz";
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { API_TOKEN, TOOL_BUDGET_MS: "3000" } });
});

async function api(app: TestApp, method: string, path: string, body?: unknown, token: string | null = API_TOKEN) {
  const res = await app.app.request(`/api${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any>, headers: res.headers };
}

describe("authentication", () => {
  it("is disabled (503, never open) when API_TOKEN is not set", async () => {
    const closed = await createTestApp();
    const r = await api(closed, "POST", "/customers", { phone: uniquePhone() }, "anything");
    expect(r.status).toBe(503);
    expect(r.json.error.message).toMatch(/set API_TOKEN/);
  });

  it("rejects a missing or wrong token with 401 and writes nothing", async () => {
    const phone = uniquePhone();
    expect((await api(t, "POST", "/customers", { phone }, null)).status).toBe(401);
    const wrong = await api(t, "POST", "/customers", { phone }, `${API_TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const [row] = await testDatabase().db.execute<{ n: number }>(sql`select count(*)::int as n from customers where phone = ${phone}`);
    expect(row!.n).toBe(0);
  });

  it("does not accept the Vapi secret as the API token", async () => {
    expect((await api(t, "POST", "/customers", { phone: uniquePhone() }, t.deps.auth.secret)).status).toBe(401);
  });

  it("serves the OpenAPI document without a token", async () => {
    const r = await api(t, "GET", "/openapi.json", undefined, null);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.paths)).toEqual(
      expect.arrayContaining(["/customers", "/shipments", "/shipments/{trackingNumber}/events", "/slots", "/accounts", "/invoices"]),
    );
    expect(r.json.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
  });
});

describe("validation", () => {
  it("answers 400 naming each bad field", async () => {
    const r = await api(t, "POST", "/invoices", { invoiceId: "X1", accountNumber: "A", amountCents: -5, dueDate: "31/03/2026" });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_request");
    expect(r.json.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(["amountCents", "dueDate"]);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const r = await api(t, "POST", "/customers", "{nope");
    expect(r.status).toBe(400);
  });

  it("answers 404 for a missing parent record", async () => {
    const r = await api(t, "POST", "/invoices", {
      invoiceId: uniqueCode("INV-"),
      accountNumber: "NOPE",
      amountCents: 5,
      dueDate: "2099-01-01",
    });
    expect(r.status).toBe(404);
    expect(r.json.error.message).toMatch(/No account NOPE/);
  });
});

describe("writes", () => {
  it("upserts a customer by phone", async () => {
    const phone = uniquePhone();
    const first = await api(t, "POST", "/customers", { phone, name: "Ann" });
    const second = await api(t, "POST", "/customers", { phone, name: "Ann Smith" });
    expect(first.json).toMatchObject({ phone, name: "Ann", created: true });
    expect(second.json).toMatchObject({ id: first.json.id, name: "Ann Smith", created: false });
  });

  it("shipment upserts and events reach the caller on the next call, with the cache in front", async () => {
    const phone = uniquePhone();
    const trackingNumber = uniqueCode("1Z");
    expect(
      (await api(t, "POST", "/shipments", { trackingNumber, customerPhone: phone, status: "in_transit", currentLocation: "Reno, NV" }))
        .json,
    ).toEqual({
      trackingNumber,
      created: true,
    });
    expect((await callTool(t, "get_shipment_status", { trackingNumber })).data!.location).toBe("Reno, NV");
    expect((await callTool(t, "get_shipment_status", {}, { caller: phone })).data!.shipments).toHaveLength(1);

    const event = {
      occurredAt: new Date().toISOString(),
      description: "Held at facility",
      location: "Sparks, NV",
      delayReason: "a mechanical issue",
      externalId: "ev-1",
    };
    expect((await api(t, "POST", `/shipments/${trackingNumber}/events`, event)).json).toEqual({
      trackingNumber,
      recorded: true,
      current: true,
    });
    expect((await api(t, "POST", `/shipments/${trackingNumber}/events`, event)).json).toEqual({
      trackingNumber,
      recorded: false,
      current: false,
    });

    const after = await callTool(t, "get_shipment_status", { trackingNumber });
    expect(after.data).toMatchObject({ location: "Sparks, NV", delayed: true, delayReason: "a mechanical issue" });
    expect((await api(t, "GET", `/shipments/${trackingNumber}`)).json).toMatchObject({ location: "Sparks, NV", delayed: true });
    const [events] = await testDatabase().db.execute<{ n: number }>(
      sql`select count(*)::int as n from shipment_events e join shipments s on s.id = e.shipment_id where s.tracking_number = ${trackingNumber}`,
    );
    expect(events!.n).toBe(1);
  });

  it("takes a plain date as the estimated delivery, heard as that day", async () => {
    const trackingNumber = uniqueCode("1Z");
    const tomorrow = new Date(Date.now() + 86_400_000).toLocaleDateString("en-CA", { timeZone: "America/New_York" });
    expect((await api(t, "POST", "/shipments", { trackingNumber, status: "in_transit", estimatedDelivery: tomorrow })).status).toBe(200);
    expect((await callTool(t, "get_shipment_status", { trackingNumber })).data).toMatchObject({ eta: "tomorrow" });
    const event = { occurredAt: new Date().toISOString(), description: "Departed facility", estimatedDelivery: "2099-03-13" };
    expect((await api(t, "POST", `/shipments/${trackingNumber}/events`, event)).json).toMatchObject({ current: true });
    expect((await callTool(t, "get_shipment_status", { trackingNumber })).data).toMatchObject({ eta: "Friday, March 13, 2099" });
    expect((await api(t, "POST", "/shipments", { trackingNumber, estimatedDelivery: "2026-02-30" })).status).toBe(400);
  });

  it("an event for an unknown shipment is 404", async () => {
    const r = await api(t, "POST", "/shipments/UNKNOWN999/events", { occurredAt: new Date().toISOString(), description: "x" });
    expect(r.status).toBe(404);
  });

  it("new slots are offered on the next availability call, and re-posting them creates nothing", async () => {
    const code = uniqueCode("svc").toLowerCase();
    const name = `Fitting ${code}`;
    await api(t, "POST", "/services", { code, name, durationMinutes: 45 });
    expect((await callTool(t, "check_availability", { service: name })).data!.slots).toEqual([]);
    const startsAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 86_400_000).toISOString();
    const created = await api(t, "POST", "/slots", { service: code, slots: [{ startsAt }] });
    expect(created.json.created).toHaveLength(1);
    expect((await api(t, "POST", "/slots", { service: code, slots: [{ startsAt }] })).json).toEqual({ created: [], existing: 1 });
    const slots = (await callTool(t, "check_availability", { service: name })).data!.slots;
    expect(slots.map((s: { slotId: string }) => s.slotId)).toEqual([created.json.created[0].slotId]);
  });

  it("account and invoice upserts change the caller's balance on the next call", async () => {
    const phone = uniquePhone();
    const accountNumber = uniqueCode("AC");
    const invoiceId = uniqueCode("INV-");
    expect((await api(t, "POST", "/accounts", { accountNumber, customerPhone: phone, customerName: "Bo" })).json).toMatchObject({
      created: true,
    });
    expect((await callTool(t, "get_account_balance", {}, { caller: phone })).data!.balance).toBe("$0.00");
    await api(t, "POST", "/invoices", { invoiceId, accountNumber, amountCents: 2_500, dueDate: "2099-05-01" });
    expect((await callTool(t, "get_account_balance", {}, { caller: phone })).data!.balance).toBe("$25.00");
    await api(t, "POST", "/invoices", { invoiceId, accountNumber, amountCents: 2_500, dueDate: "2099-05-01", status: "paid" });
    expect((await callTool(t, "get_account_balance", {}, { caller: phone })).data!.balance).toBe("$0.00");
  });
});

describe("text Postgres cannot store", () => {
  it("refuses NUL characters with a 400 instead of failing the write", async () => {
    const phone = uniquePhone();
    const { status, json } = await api(t, "POST", "/customers", { phone, name: "Ada\u0000Lovelace" });
    expect(status).toBe(400);
    expect(json.error.message).toMatch(/NUL/);
    const rows = await testDatabase().db.execute(sql`select 1 from customers where phone = ${phone}`);
    expect(rows.length).toBe(0);
  });
});
