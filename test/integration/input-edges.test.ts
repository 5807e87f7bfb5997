// Protects the edges of what clients may send: no path opens /api without the token, out-of-range times and dates are a 400 (never a 500, never a spoken apology), LIKE metacharacters in a service name are literal, and a wrong argument type is named as such.
// biome-ignore-all lint/suspicious/noExplicitAny: responses are read freely; a wrong shape fails the assertions
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { APOLOGY } from "../../src/tools/dispatch/answers.ts";
import { callTool, givenAccount, givenShipment, givenSlots, uniqueCode, uniquePhone } from "../support/business.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";

const API_TOKEN = "api-token-edges-0123456789abcdef";
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { API_TOKEN, TOOL_BUDGET_MS: "3000" } });
});

async function api(method: string, path: string, body?: unknown, token: string | null = API_TOKEN) {
  const res = await t.app.request(`/api${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

describe("the API token check has no path-shaped hole", () => {
  it("refuses every route whose path merely ends in /openapi.json, and a tracking number spelled like the document", async () => {
    // Tracking numbers are compared without punctuation: "openapi.json" is the shipment OPENAPIJSON.
    await givenShipment(t, { trackingNumber: "OPENAPIJSON", currentLocation: "Secret Depot, NV" });
    const tn = await givenShipment(t, { currentLocation: "Also Secret, NV" });
    for (const path of [
      "/shipments/openapi.json",
      `/shipments/${tn}/openapi.json`,
      "/shipments/OPENAPIJSON",
      "/openapi.json/",
      `/shipments/${tn}?next=/openapi.json`,
    ]) {
      const r = await api("GET", path, undefined, null);
      expect(r.status, path).toBe(401);
      expect(JSON.stringify(r.json), path).not.toMatch(/Secret/);
    }
    const posted = await api("POST", "/customers/openapi.json", { phone: uniquePhone() }, null);
    expect(posted.status).toBe(401);
  });

  it("still serves the OpenAPI document itself without a token", async () => {
    const r = await api("GET", "/openapi.json", undefined, null);
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe("3.1.0");
  });
});

describe("times and dates outside what Postgres and the API accept", () => {
  it("answers 400 naming the field for slots in year 0000 or at the very end of 9999", async () => {
    const { code } = await givenSlots(t, [10]);
    for (const startsAt of ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T20:00:00-05:00", "1899-12-31T23:59:59Z"]) {
      const r = await api("POST", "/slots", { service: code, slots: [{ startsAt }] });
      expect(r.status, startsAt).toBe(400);
      expect(r.json.error.issues.map((i: { path: string }) => i.path)).toEqual(["slots.0.startsAt"]);
      expect(r.json.error.message).toMatch(/between 1900 and 9998/);
    }
    const fine = await api("POST", "/slots", { service: code, slots: [{ startsAt: "9998-12-31T12:00:00Z", durationMinutes: 1440 }] });
    expect(fine.status).toBe(200);
  });

  it("answers 400 for out-of-range times on shipments and their events, and for an invoice due in year 0000", async () => {
    const tn = await givenShipment(t);
    expect((await api("POST", "/shipments", { trackingNumber: tn, estimatedDelivery: "0000-01-01T00:00:00Z" })).status).toBe(400);
    expect((await api("POST", "/shipments", { trackingNumber: tn, estimatedDelivery: "9999-12-31T23:59:59-01:00" })).status).toBe(400);
    for (const occurredAt of ["9999-12-31T23:59:59-05:00", "0000-12-31T23:59:59+05:00"]) {
      expect((await api("POST", `/shipments/${tn}/events`, { occurredAt, description: "Scanned" })).status, occurredAt).toBe(400);
    }
    const { accountNumber } = await givenAccount(t, uniquePhone(), []);
    const invoice = (dueDate: string) =>
      api("POST", "/invoices", { invoiceId: uniqueCode("INV-"), accountNumber, amountCents: 100, dueDate });
    const zero = await invoice("0000-01-01");
    expect(zero.status).toBe(400);
    expect(zero.json.error.issues.map((i: { path: string }) => i.path)).toEqual(["dueDate"]);
    expect((await invoice("9998-12-31")).status).toBe(200);
  });

  it("check_availability for a date at the end of time answers without an apology", async () => {
    const a = await callTool(t, "check_availability", { date: "9999-12-31" });
    expect(a.error).toBeUndefined();
    expect(a.data!.slots).toEqual([]);
  });
});

describe("service names are matched literally", () => {
  it("a trailing backslash, % or _ in the asked-for service is text, not a LIKE pattern", async () => {
    const { serviceName } = await givenSlots(t, [12]);
    // Each would find this (uniquely named) service, or fail the query, if read as a pattern.
    const unique = serviceName.slice(0, -2);
    for (const asked of [`${unique}\\`, `${unique}%\\`, `${unique}__`, serviceName.replace(" ", "_"), `${serviceName.slice(0, 14)}%`]) {
      const a = await callTool(t, "check_availability", { service: asked });
      expect(a.error, asked).not.toBe(APOLOGY);
      expect(a.error, asked).toMatch(/We don't offer/);
    }
    // An exact name in another case still matches, and so does a part of the name.
    expect((await callTool(t, "check_availability", { service: serviceName.toUpperCase() })).data!.slots).toHaveLength(1);
    expect((await callTool(t, "check_availability", { service: serviceName.split(" ")[1] })).data!.slots).toHaveLength(1);
  });
});

describe("argument errors the model can act on", () => {
  it("names a wrong type as a wrong type, and only a missing field as required", async () => {
    const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
    const f = await createTestApp({ toolsDir: fixtures });
    const wrong = await callTool(f, "echo", { text: 5 });
    expect(wrong.error).toBe('Invalid arguments: "text" must be a string, not a number.');
    const nested = await callTool(f, "echo", { text: "a", times: "lots" });
    expect(nested.error).toBe('Invalid arguments: "times" must be a number, not a string.');
    const nulled = await callTool(f, "echo", { text: null });
    expect(nulled.error).toBe('Invalid arguments: "text" must be a string, not null.');
    expect((await callTool(f, "echo", {})).error).toBe('Invalid arguments: "text" is required.');
  });
});
