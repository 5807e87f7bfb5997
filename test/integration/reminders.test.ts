// Protects appointment reminders: the day's booked appointments (do-not-call numbers left out) become one Vapi campaign on the stored assistant with a predial plan, or one outbound call each with a transient assistant, every body valid for Vapi's published definition, sent through Vapi's API (a local stand-in) by the REST call or printed offline by `npm run reminders -- --print`; and the callee confirming on the call.
import { randomInt } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as reminders } from "../../scripts/cli/reminders.ts";
import { fixedClock } from "../../src/lib/clock.ts";
import { createSlots, upsertService } from "../../src/services/appointments/catalogue.ts";
import { callTool, uniqueCode, uniquePhone, write } from "../support/business.ts";
import { type FakeVapiApi, startFakeVapiApi } from "../support/fake-vapi-api.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const API_TOKEN = "reminders-api-token-0123456789abcd";
// A day of its own in this run's database: no other file books appointments in 2041.
const DAY = `2041-03-${String(randomInt(10, 28))}`;
const NOW = `${DAY.slice(0, 8)}${String(Number(DAY.slice(8)) - 1).padStart(2, "0")}T15:00:00Z`; // the day before, 11 AM in New York
const base = { API_TOKEN, VAPI_PHONE_NUMBER_ID: "pn-reminders", PUBLIC_URL: "https://sb.example.com", VAPI_CREDENTIAL_ID: "cred-1" };
const errorsOf = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);

let t: TestApp;
let api: FakeVapiApi;
const booked: { number: string; name: string }[] = [];
let optedOut: string;

beforeAll(async () => {
  api = await startFakeVapiApi({
    validate: (schema, body) =>
      vapiValidator()
        .validate(schema, body)
        .errors.map((e) => e.message),
  });
  t = await createTestApp({ clock: fixedClock(NOW), env: base });
  const code = uniqueCode("rem").toLowerCase();
  const slotIds = await write(t, async (ctx) => {
    await upsertService(ctx, { code, name: "Dental cleaning" });
    // 10 AM, 11 AM and noon on DAY and a later day, New York time (daylight time from March 10, 2041: UTC-4).
    const r = await createSlots(ctx, {
      service: code,
      slots: ["14:00", "15:00", "16:00"].map((hhmm) => ({ startsAt: `${DAY}T${hhmm}:00Z` })).concat({ startsAt: `2041-04-05T14:00:00Z` }),
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.created.sort((a, b) => a.startsAt.localeCompare(b.startsAt)).map((s) => s.slotId);
  });
  for (const [i, slotId] of slotIds.entries()) {
    const number = uniquePhone();
    const name = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra"][i]!;
    const b = await callTool(t, "book_appointment", { slotId, customerName: name }, { caller: number });
    expect(b.error).toBeUndefined();
    if (i < 3) booked.push({ number, name });
  }
  optedOut = booked[2]!.number;
  await testDatabase().db.execute(sql`insert into do_not_call (number, source) values (${optedOut}, 'api')`);
});
afterAll(() => api?.close());

const post = (app: TestApp, body: unknown) =>
  app.app.request("/api/campaigns/reminders", {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

// biome-ignore lint/suspicious/noExplicitAny: tests read into the request bodies freely; a wrong shape fails their assertions
type Body = Record<string, any>;
type Run = {
  date: string;
  appointments: number;
  requests: { path: string; body: Body }[];
  created: { path: string; id: string }[];
};

describe("POST /api/campaigns/reminders", () => {
  it("prints one outbound call per appointment of the day, without the do-not-call number, each a valid CreateCallDTO", async () => {
    const res = await post(t, { date: DAY, print: true });
    expect(res.status).toBe(200);
    const run = (await res.json()) as Run;
    expect(run).toMatchObject({ date: DAY, appointments: 2, created: [] });
    expect(run.requests.map((r) => r.path)).toEqual(["/call", "/call"]);
    expect(run.requests.map((r) => r.body.customer.number)).toEqual([booked[0]!.number, booked[1]!.number]);
    for (const r of run.requests) expect(errorsOf("CreateCallDTO", r.body)).toBe("");
    const first = run.requests[0]!.body;
    expect(first.assistant.firstMessage).toMatch(
      /^Hi Ada, .* reminder of your Dental cleaning appointment tomorrow at 10 AM\. Can you make it\?$/,
    );
    const tools = first.assistant.model.tools.map((tool: { function?: { name: string } }) => tool.function?.name);
    expect(tools).toEqual(
      expect.arrayContaining(["confirm_appointment", "reschedule_appointment", "cancel_appointment", "opt_out_of_calls"]),
    );
    expect(api.requests).toHaveLength(0);
  });

  it("creates one campaign on the stored assistant through Vapi's API, with a predial plan pointing here", async () => {
    const app = await createTestApp({
      clock: fixedClock(NOW),
      env: { ...base, VAPI_ASSISTANT_ID: "asst-stored", VAPI_API_KEY: "test-vapi-key", VAPI_API_URL: api.url },
    });
    const res = await post(app, { date: "tomorrow" });
    expect(res.status).toBe(200);
    const run = (await res.json()) as Run;
    expect(run.date).toBe(DAY);
    expect(run.created).toHaveLength(1);
    const stored = api.campaigns.get(run.created[0]!.id)!;
    expect(stored).toMatchObject({
      assistantId: "asst-stored",
      phoneNumberId: "pn-reminders",
      predialPlan: { enabled: true },
      server: { url: "https://sb.example.com/vapi/webhook", credentialId: "cred-1" },
    });
    const customers = stored.customers as { number: string; assistantOverrides: { variableValues: Record<string, string> } }[];
    expect(customers.map((c) => c.number)).toEqual([booked[0]!.number, booked[1]!.number]);
    expect(customers[1]!.assistantOverrides.variableValues.firstMessage).toMatch(/^Hi Grace, .*tomorrow at 11 AM/);
    expect(errorsOf("CreateCampaignDTO", run.requests[0]!.body)).toBe("");
  });

  it("answers 502 with Vapi's words when Vapi refuses, and 400 for a day it cannot read", async () => {
    const app = await createTestApp({ clock: fixedClock(NOW), env: { ...base, VAPI_API_KEY: "test-vapi-key", VAPI_API_URL: api.url } });
    api.failNext("POST /call", 400, { message: ["customer.number must be a valid phone number"], error: "Bad Request", statusCode: 400 });
    const res = await post(app, { date: DAY });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/POST \/call failed: HTTP 400: customer.number/);
    expect((await post(app, { date: "someday" })).status).toBe(400);
    // Not a calendar date, passed, or beyond any date the database takes: refused, never a 500.
    for (const date of ["2026-02-30", "2020-01-01", "9999-12-31"]) {
      const refused = await post(app, { date, print: true });
      expect(refused.status, date).toBe(400);
    }
  });
});

describe("on the reminder call", () => {
  it("confirms the appointment when the callee says they will come", async () => {
    const a = await callTool(t, "confirm_appointment", {}, { caller: booked[0]!.number });
    expect(a.error).toBeUndefined();
    expect(a.data).toMatchObject({ confirmed: true, service: "Dental cleaning" });
    const rows = await testDatabase().db.execute<{ confirmed: boolean }>(
      sql`select a.confirmed_at is not null as confirmed from appointments a join customers c on c.id = a.customer_id where c.phone = ${booked[0]!.number}`,
    );
    expect(rows[0]?.confirmed).toBe(true);
  });
});

describe("npm run reminders", () => {
  it("names every setting it is missing", async () => {
    let said = "";
    expect(
      await reminders(
        [],
        {},
        {
          out: (text) => {
            said += text;
          },
          err: (text) => {
            said += text;
          },
        },
      ),
    ).toBe(2);
    expect(said).toContain("Set DATABASE_URL, VAPI_PHONE_NUMBER_ID, PUBLIC_URL, VAPI_API_KEY first.");
  });

  it("--print shows the requests offline, no API key needed", async () => {
    let stdout = "";
    const code = await reminders(
      ["--date", DAY, "--print"],
      { ...base, VAPI_SECRET: "reminders-cli-secret-0123456789" },
      {
        out: (text) => {
          stdout += text;
        },
        err: (text) => {
          stdout += text;
        },
        db: t.deps.db,
      },
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`2 appointment(s) on ${DAY}.`);
    expect(stdout).toContain("POST /call");
    expect(stdout).toContain(booked[1]!.number);
    expect(stdout).not.toContain(optedOut);
  });
});
