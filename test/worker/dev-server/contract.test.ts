// Protects `npm run dev:worker` as a user runs it (wrangler dev, .dev.vars, Hyperdrive's local connection string to a real Postgres, Redis, demo data from `npm run db:seed`): the Vapi contract holds and the dev server is still up after hundreds of requests whose budgets expire.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signHmac } from "../../../src/vapi/auth.ts";
// The values the shared global setup provides (the run's fresh database and Redis prefix).
import type {} from "../../support/global-setup.ts";
import {
  assistantRequest,
  endOfCallReport,
  statusUpdate,
  testCallId,
  toolCallsMessage,
  transferDestinationRequest,
} from "../../support/vapi-messages.ts";
import { cutWorkLines, type DevServer, npmRun, startDevServer } from "./dev-server.ts";

const SECRET = "dev-contract-secret-0123456789";
const HMAC_SECRET = "dev-contract-hmac-secret";
const DEMO_CALLER = "+15550100001";
const BUSINESS_TOOLS = [
  "get_business_hours",
  "get_shipment_status",
  "check_availability",
  "book_appointment",
  "reschedule_appointment",
  "cancel_appointment",
  "list_my_appointments",
  "get_account_balance",
  "send_payment_link",
];

type Answer = { toolCallId: string; name: string; result?: string; error?: string };
type Json = Record<string, unknown> & { results?: Answer[] };

const databaseUrl = inject("databaseUrl");
const redisUrl = inject("redisUrl")!;
const redisPrefix = `${inject("redisPrefix")}dev:`;

/** The variables every start gets, as a user's .dev.vars would hold them. */
const baseVars = {
  VAPI_SECRET: SECRET,
  VAPI_HMAC_SECRET: HMAC_SECRET,
  PAYMENT_LINK_SECRET: "dev-contract-payment-link-secret",
  VAPI_CREDENTIAL_ID: "dev-contract-credential",
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: redisPrefix,
  PUBLIC_URL: "https://switchboard.example.com",
  TRANSFER_NUMBER: "+15557654321",
  SIDE_EFFECT_LIMIT_PER_MINUTE: "0",
  LOG_LEVEL: "info",
  // Every local connection through Hyperdrive's proxy is a Postgres session of a machine shared with
  // other test runs; the requests below come faster than their deferred lookups finish.
  DATABASE_POOL_MAX: "2",
};

function client(server: DevServer) {
  async function post(body: unknown, headers: Record<string, string> = { "x-vapi-secret": SECRET }) {
    const res = await fetch(`${server.url}/vapi/webhook`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  }
  async function tools(calls: { name: string; args?: Record<string, unknown> }[], caller = DEMO_CALLER) {
    const specs = calls.map((c) => ({ id: `call_${crypto.randomUUID()}`, ...c }));
    const { status, json } = await post(toolCallsMessage(specs, { caller, callId: testCallId() }));
    expect(status).toBe(200);
    expect(json.results?.map((r) => r.toolCallId)).toEqual(specs.map((s) => s.id));
    return json.results!.map((r) => ({ ...r, data: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : undefined }));
  }
  return { post, tools };
}

/** Sends `count` requests from `make`, `concurrency` at a time; returns the HTTP statuses seen. */
async function fire(count: number, concurrency: number, make: (i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) statuses.push(await make(next++));
    }),
  );
  return statuses;
}

beforeAll(async () => {
  // The demo data, through the same command a user runs against their Worker's database.
  await npmRun("db:seed", { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: redisPrefix });
});

describe("npm run dev:worker with every profile lookup over its budget", () => {
  let server: DevServer;
  beforeAll(async () => {
    // Roomy tool budgets: this part asserts what the tools answer (the next part makes them expire).
    const vars = { ...baseVars, PERSONALIZATION_BUDGET_MS: "1", PERSONALIZATION_COLD_BUDGET_MS: "1", TOOL_BUDGET_MS: "5000" };
    server = await startDevServer({ databaseUrl, vars });
  });
  afterAll(() => server?.stop());

  it("authenticates: secret, bearer and HMAC accepted; anything else 401 with nothing run", async () => {
    const { post } = client(server);
    const body = JSON.stringify(toolCallsMessage([{ id: "auth_1", name: "get_business_hours", args: { day: "Monday" } }]));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hmac = { secret: HMAC_SECRET, algorithm: "sha256", encoding: "hex", prefix: "" } as const;
    const signature = await signHmac(hmac, timestamp, new TextEncoder().encode(body));
    const accepted: Record<string, string>[] = [
      { "x-vapi-secret": SECRET },
      { authorization: `Bearer ${SECRET}` },
      { "x-timestamp": timestamp, "x-signature": signature },
    ];
    for (const headers of accepted) {
      const { status, json } = await post(body, headers);
      expect(status).toBe(200);
      expect(json.results?.[0]).toMatchObject({ toolCallId: "auth_1", name: "get_business_hours" });
    }
    // The last one signs another body: a tampered request.
    const rejected: Record<string, string>[] = [
      {},
      { "x-vapi-secret": `${SECRET}x` },
      { "x-timestamp": timestamp, "x-signature": signature },
    ];
    for (const headers of rejected) {
      const { status, json } = await post(body.replace("Monday", "Friday"), headers);
      expect(status).toBe(401);
      expect(json).toMatchObject({ error: { code: "unauthorized" } });
    }
  });

  it("answers assistant-request with every business tool pointed back at the server", async () => {
    const { status, json } = await client(server).post(assistantRequest({ caller: DEMO_CALLER }));
    expect(status).toBe(200);
    type Tool = { type: string; function?: { name: string }; server?: { url: string; credentialId?: string } };
    const functions = (json.assistant as { model: { tools: Tool[] } }).model.tools.filter((t) => t.type === "function");
    expect(functions.map((t) => t.function?.name)).toEqual(expect.arrayContaining(BUSINESS_TOOLS));
    for (const t of functions) {
      expect(t.server).toMatchObject({ url: "https://switchboard.example.com/vapi/webhook", credentialId: "dev-contract-credential" });
    }
  });

  it("answers read tools, unknown tools, invalid arguments and card numbers in one message, in order", async () => {
    const [hours, shipment, open, balance, mine, unknown, invalid, card] = await client(server).tools([
      { name: "get_business_hours", args: { day: "Saturday" } },
      { name: "get_shipment_status", args: { trackingNumber: "1ZDEMO0002" } },
      { name: "check_availability", args: { service: "Consultation" } },
      { name: "get_account_balance" },
      { name: "list_my_appointments" },
      { name: "no_such_tool" },
      { name: "get_shipment_status", args: { trackingNumber: 42 } },
      { name: "get_shipment_status", args: { trackingNumber: "4111 1111 1111 1111" } },
    ]);
    expect(hours?.data).toMatchObject({ day: "Saturday" });
    expect(shipment?.data).toMatchObject({ trackingNumber: "1ZDEMO0002", status: "in transit" });
    expect((open?.data?.slots as unknown[] | undefined)?.length).toBeGreaterThan(0);
    expect(balance?.data).toMatchObject({ accountNumber: "AC-1001" });
    expect((mine?.data?.appointments as unknown[] | undefined)?.length).toBeGreaterThan(0);
    expect(unknown?.error).toMatch(/no tool named "no_such_tool"/);
    expect(invalid?.error).toMatch(/^Invalid arguments: "trackingNumber"/);
    expect(card?.error).toMatch(/card/i);
    expect(card?.error).not.toContain("4111");
  });

  it("books, moves and cancels idempotently, and texts a payment link", async () => {
    const { post, tools } = client(server);
    const caller = `+1555${Math.floor(2_000_000 + Math.random() * 7_000_000)}`;
    const [open] = await tools([{ name: "check_availability", args: { service: "Fitting", limit: 2 } }], caller);
    const [first, second] = (open?.data?.slots ?? []) as { slotId: string }[];
    const booking = toolCallsMessage(
      [{ id: `book_${crypto.randomUUID()}`, name: "book_appointment", args: { slotId: first!.slotId, customerName: "Dev Tester" } }],
      {
        caller,
      },
    );
    const booked = await post(booking);
    const again = await post(booking);
    expect(again.json.results).toEqual(booked.json.results);
    const code = (JSON.parse(booked.json.results?.[0]?.result ?? "{}") as { confirmationCode?: string }).confirmationCode;
    expect(code).toMatch(/^[A-Z2-9]{6}$/);
    const [moved] = await tools([{ name: "reschedule_appointment", args: { newSlotId: second!.slotId, confirmationCode: code } }], caller);
    expect(moved?.data).toMatchObject({ rescheduled: true, confirmationCode: code });
    const [cancelled] = await tools([{ name: "cancel_appointment", args: { confirmationCode: code } }], caller);
    expect(cancelled?.data).toMatchObject({ cancelled: true, confirmationCode: code });
    const [link] = await tools([{ name: "send_payment_link", args: { invoiceId: "INV-1002" } }]);
    expect(link?.data).toMatchObject({ sent: true, invoiceId: "INV-1002", to: "ending in 0001" });
  });

  it("answers the other message types, a 5 MB end-of-call report included", async () => {
    const { post } = client(server);
    expect((await post(transferDestinationRequest())).json.destination).toMatchObject({ number: "+15557654321" });
    for (const body of [statusUpdate("in-progress"), { message: { type: "some-future-type" } }, endOfCallReport(5 * 1024 * 1024)]) {
      const { status, json } = await post(body);
      expect(status).toBe(200);
      expect(json).toEqual({});
    }
  });

  it("enforces its limits: malformed JSON 400, a body over MAX_BODY_BYTES 413, calls past MAX_TOOL_CALLS_PER_MESSAGE refused", async () => {
    const { post, tools } = client(server);
    expect((await post('{"message": {"type": ')).status).toBe(400);
    expect((await post(endOfCallReport(9 * 1024 * 1024))).status).toBe(413);
    const answers = await tools(Array.from({ length: 17 }, () => ({ name: "get_business_hours" })));
    expect(answers.slice(0, 16).every((a) => a.error === undefined)).toBe(true);
    expect(answers[16]?.error).toMatch(/Too many tool calls/);
  });

  it("is still up after 150 assistant-requests whose profile lookups all overran, with no deferred work cut", async () => {
    const { post } = client(server);
    const statuses = await fire(
      150,
      2,
      async (i) => (await post(assistantRequest({ caller: `+1555020${String(i).padStart(4, "0")}` }))).status,
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(server.alive()).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(cutWorkLines(server.output()).slice(0, 5)).toEqual([]);
    expect(server.output()).toContain("caller profile over budget");
  });
});

describe("npm run dev:worker under concurrent calls", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ databaseUrl, vars: { ...baseVars, TOOL_BUDGET_MS: "5000" } });
  });
  afterAll(() => server?.stop());

  // Each request opens and closes its own Postgres sessions through the local Hyperdrive proxy; a
  // reset on one of them used to exit the dev server within about 60 requests at 10 connections.
  it("is still up after 200 tool calls and assistant-requests from 10 connections at once", async () => {
    const { post } = client(server);
    const statuses = await fire(200, 10, async (i) => {
      const body =
        i % 4 === 0
          ? assistantRequest({ caller: `+1555030${String(i).padStart(4, "0")}` })
          : toolCallsMessage([{ name: "get_shipment_status", args: { trackingNumber: "1ZDEMO0002" } }], { callId: testCallId() });
      return (await post(body)).status;
    });
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(server.alive()).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("npm run dev:worker with tool budgets of 10 ms", () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ databaseUrl, vars: { ...baseVars, TOOL_BUDGET_MS: "10" } });
  });
  afterAll(() => server?.stop());

  it("is still up after 150 tool calls, many past their budget, with no deferred work cut", async () => {
    const { tools } = client(server);
    let overBudget = 0;
    const statuses = await fire(150, 2, async (i) => {
      const name = ["get_shipment_status", "get_account_balance", "check_availability"][i % 3]!;
      const [answer] = await tools([{ name, args: name === "get_shipment_status" ? { trackingNumber: "1ZDEMO0002" } : {} }]);
      if (answer?.error) overBudget++;
      return 200;
    });
    expect(statuses).toHaveLength(150);
    expect(overBudget).toBeGreaterThan(0);
    expect(server.alive()).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(cutWorkLines(server.output()).slice(0, 5)).toEqual([]);
  });
});
