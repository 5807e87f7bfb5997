// Protects structured outputs end to end: the served assistant carries them (inline, or by id after a sync) in a body Vapi accepts and without the deprecated analysisPlan; end-of-call reports store their results by key, redacted and once; the REST API lists calls by them.
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import assistantConfig from "../../assistant.config.ts";
import type { AssistantConfig } from "../../src/assistant/define.ts";
import { structuredOutputKeys } from "../../src/assistant/structured-outputs.ts";
import { callerMemory, calls } from "../../src/db/schema/index.ts";
import { createTestApp, TEST_PAYMENT_LINK_SECRET, TEST_SECRET, type TestApp, testDatabase } from "../support/harness.ts";
import { assistantRequest, testCallId } from "../support/vapi-messages.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const API_TOKEN = "api-token-0123456789abcdef-xyz";
/** Marks this file's calls, so listing them is not disturbed by other files sharing the database. */
const BATCH = `b${randomUUID().slice(0, 8)}`;

/** The project's outputs plus a few of other shapes, to filter on. */
const config: AssistantConfig = {
  ...assistantConfig,
  structuredOutputs: {
    ...assistantConfig.structuredOutputs,
    batch: { description: "Test marker.", schema: z.string() },
    topics: { description: "What came up.", schema: z.array(z.enum(["refund", "delay", "address"])) },
    ticket: { description: "A ticket to open.", schema: z.object({ priority: z.enum(["low", "high"]), note: z.string() }) },
  },
};

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ assistant: config, env: { API_TOKEN } });
  vapiValidator().validate("CreateAssistantDTO", {});
}, 60_000);

type Results = Record<string, unknown>;

/** An end-of-call report whose artifact holds results as Vapi sends them: keyed by the output's id, with its name. */
function report(callId: string, caller: string, results: Results, options: { endedAt?: Date; extra?: Record<string, unknown> } = {}) {
  const endedAt = options.endedAt ?? new Date(Date.now() - 60_000);
  const structuredOutputs = Object.fromEntries(
    Object.entries(results).map(([key, result]) => [randomUUID(), { name: `Switchboard ${key}`, result }]),
  );
  return {
    message: {
      type: "end-of-call-report",
      timestamp: endedAt.getTime(),
      call: { id: callId, type: "inboundPhoneCall", phoneNumberId: "pn-1", customer: { number: caller } },
      endedReason: "customer-ended-call",
      startedAt: new Date(endedAt.getTime() - 60_000).toISOString(),
      endedAt: endedAt.toISOString(),
      artifact: { transcript: "AI: Hello\nUser: Hi", messages: [], structuredOutputs: { ...structuredOutputs, ...options.extra } },
    },
  };
}

const row = async (callId: string) => (await testDatabase().db.select().from(calls).where(eq(calls.callId, callId)))[0];

async function api(path: string) {
  const res = await t.app.request(`/api${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  type Body = { calls: Record<string, unknown>[]; next?: string; error: { message: string } };
  return { status: res.status, json: (await res.json()) as Body };
}

describe("the served assistant", () => {
  const served = async (app: TestApp) => {
    const { status, json } = await app.webhook(assistantRequest());
    expect(status).toBe(200);
    const assistant = json.assistant as Record<string, unknown>;
    const result = vapiValidator().validate("CreateAssistantDTO", assistant);
    expect(formatVapiIssues(result.errors)).toBe("");
    expect(result.warnings.filter((w) => w.path.includes("analysisPlan"))).toEqual([]);
    expect(assistant).not.toHaveProperty("analysisPlan");
    return assistant.artifactPlan as { structuredOutputIds?: string[]; structuredOutputs?: { name: string; schema: unknown }[] };
  };

  it("carries every output inline when their ids are not known (before a sync)", async () => {
    const plan = await served(await createTestApp());
    expect(plan.structuredOutputIds).toBeUndefined();
    expect(plan.structuredOutputs?.map((o) => o.name)).toEqual(structuredOutputKeys(assistantConfig).map((k) => `Switchboard ${k}`));
    expect(plan.structuredOutputs?.find((o) => o.name === "Switchboard followUpNeeded")?.schema).toEqual({ type: "boolean" });
  });

  it("references the outputs VAPI_STRUCTURED_OUTPUT_IDS names by id, and carries the rest inline", async () => {
    const ids = { summary: "5a0e0f0a-aaaa-4bbb-8ccc-000000000001", followUpNeeded: "5a0e0f0a-aaaa-4bbb-8ccc-000000000002" };
    const plan = await served(
      await createTestApp({ env: { VAPI_STRUCTURED_OUTPUT_IDS: `summary=${ids.summary}, followUpNeeded=${ids.followUpNeeded}` } }),
    );
    expect(plan.structuredOutputIds).toEqual([ids.summary, ids.followUpNeeded]);
    expect(plan.structuredOutputs?.map((o) => o.name)).toEqual(["Switchboard intent", "Switchboard outcome", "Switchboard sentiment"]);
  });
});

describe("end-of-call reports", () => {
  it("store each result under its key, redacted, with the summary output as the call's summary and the caller's memory", async () => {
    const callId = testCallId();
    const caller = "+15550107001";
    const res = await t.webhook(
      report(
        callId,
        caller,
        {
          summary: `Caller ${caller} paid with card 4111 1111 1111 1111 and wants a callback at dana@example.com.`,
          followUpNeeded: true,
          intent: "billing",
          ticket: { priority: "high", note: "call back on 555 010 9999" },
          batch: BATCH,
        },
        { extra: { "b1d5c0de-0000-4000-8000-000000000000": { name: "Dashboard score", result: 7 }, broken: "not an entry" } },
      ),
    );
    expect(res).toEqual({ status: 200, json: {} });
    const stored = await row(callId);
    expect(stored?.structuredOutputs).toEqual({
      summary: "Caller [caller number] paid with card [card number] and wants a callback at [email].",
      followUpNeeded: true,
      intent: "billing",
      ticket: { priority: "high", note: "call back on [number]" },
      batch: BATCH,
      // Outputs the configuration does not declare (added in Vapi's dashboard) keep their name.
      "Dashboard score": 7,
    });
    expect(stored?.summary).toBe("Caller [caller number] paid with card [card number] and wants a callback at [email].");
    const [memory] = await testDatabase().db.select().from(callerMemory).where(eq(callerMemory.callerNumber, caller));
    expect(memory?.lastSummary).toBe(stored?.summary);
    expect(JSON.stringify(stored)).not.toContain("4111");
  });

  it("never store the server's own secrets, in any field, not even in part", async () => {
    const callId = testCallId();
    const body = report(callId, "+15550107003", {
      summary: `The caller read out ${API_TOKEN} from the dashboard.`,
      ticket: { priority: "high", note: `Vapi secret ${TEST_SECRET}` },
      batch: BATCH,
    });
    body.message.artifact.transcript = `User: my link secret is ${TEST_PAYMENT_LINK_SECRET}`;
    Object.assign(body.message, { endedReason: `failed: ${TEST_SECRET}`, analysis: { structuredData: { [API_TOKEN]: TEST_SECRET } } });
    expect((await t.webhook(body)).status).toBe(200);
    const stored = await row(callId);
    expect(stored?.structuredOutputs).toMatchObject({
      summary: "The caller read out [secret] from the dashboard.",
      ticket: { note: "Vapi secret [secret]" },
    });
    expect(stored?.transcript).toBe("User: my link secret is [secret]");
    expect(stored?.endedReason).toBe("failed: [secret]");
    expect(stored?.structuredData).toEqual({ "[secret]": "[secret]" });
    const text = JSON.stringify(stored);
    for (const secret of [API_TOKEN, TEST_SECRET, TEST_PAYMENT_LINK_SECRET]) expect(text).not.toContain(secret.slice(0, 12));
  });

  it("are stored once: a repeated report with other results changes nothing", async () => {
    const callId = testCallId();
    const caller = "+15550107002";
    await t.webhook(report(callId, caller, { followUpNeeded: false, intent: "hours", batch: BATCH }));
    const first = await row(callId);
    await t.webhook(report(callId, caller, { followUpNeeded: true, intent: "billing", batch: BATCH }));
    const again = await row(callId);
    expect(again).toEqual({ ...first, updatedAt: again?.updatedAt });
    expect(again?.structuredOutputs).toMatchObject({ followUpNeeded: false, intent: "hours" });
  });

  it("without structured outputs store none (and the analysis summary as before)", async () => {
    const callId = testCallId();
    const message = report(callId, "+15550107003", {});
    (message.message as Record<string, unknown>).analysis = { summary: "Asked about opening hours." };
    await t.webhook(message);
    expect(await row(callId)).toMatchObject({ structuredOutputs: null, summary: "Asked about opening hours." });
  });
});

describe("GET /api/calls", () => {
  const LISTED = `${BATCH}-listed`;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    const base = Date.now() - 3_600_000;
    const calls: [string, Results][] = [
      ["a", { followUpNeeded: true, intent: "billing", topics: ["refund", "delay"], ticket: { priority: "high", note: "x" } }],
      ["b", { followUpNeeded: false, intent: "billing", topics: ["address"] }],
      ["c", { followUpNeeded: true, intent: "shipment", topics: ["delay"], ticket: { priority: "low", note: "y" } }],
      ["d", { followUpNeeded: true, intent: "hours" }],
    ];
    for (const [i, [name, results]] of calls.entries()) {
      ids[name] = testCallId();
      await t.webhook(report(ids[name]!, `+1555010710${i}`, { ...results, batch: LISTED }, { endedAt: new Date(base + i * 60_000) }));
    }
  });
  const listed = async (query: string) => {
    const { status, json } = await api(`/calls?output.batch=${LISTED}&${query}`);
    expect(status, JSON.stringify(json)).toBe(200);
    const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
    return { names: json.calls.map((c) => byId[c.callId as string]), json };
  };

  it("lists the calls needing a follow-up, newest first, with their outputs and without transcripts", async () => {
    const { names, json } = await listed("output.followUpNeeded=true");
    expect(names).toEqual(["d", "c", "a"]);
    expect(json.calls[0]).toMatchObject({ callId: ids.d, status: "ended", structuredOutputs: { followUpNeeded: true, intent: "hours" } });
    expect(json.calls[0]).not.toHaveProperty("transcript");
  });

  it("combines filters, reads enums, numbers and fields of object outputs, and an array output by a value it includes", async () => {
    expect((await listed("output.followUpNeeded=true&output.intent=billing")).names).toEqual(["a"]);
    expect((await listed("output.ticket.priority=low")).names).toEqual(["c"]);
    expect((await listed("output.topics=delay")).names).toEqual(["c", "a"]);
    expect((await listed("output.topics=delay&output.topics=refund")).names).toEqual(["a"]);
    expect((await listed("output.followUpNeeded=false")).names).toEqual(["b"]);
  });

  it("pages with the cursor it returns", async () => {
    const first = await listed("limit=3");
    expect(first.names).toEqual(["d", "c", "b"]);
    const second = await listed(`limit=3&after=${encodeURIComponent(first.json.next ?? "")}`);
    expect(second.names).toEqual(["a"]);
    expect(second.json.next).toBeUndefined();
  });

  it("refuses unknown outputs and values the output cannot have, naming them", async () => {
    const cases: [string, RegExp][] = [
      ["output.followUp=true", /no structured output "followUp" \(declared: summary, intent, outcome, followUpNeeded/],
      ["output.followUpNeeded=yes", /output\.followUpNeeded: must be true or false/],
      ["output.intent=refunds", /output\.intent: must be one of shipment, appointment, billing, hours, other/],
      ["output.ticket=high", /is an object: filter on one of its fields/],
      ["output.ticket.owner=x", /"owner" is not a field/],
      ["output.intent=billing&output.intent=hours", /given twice with different values/],
      ["output.summary=%00", /output\.summary: must not contain NUL characters/],
      ["after=nonsense", /after: not a page cursor/],
      ["limit=0", /limit/],
    ];
    for (const [query, message] of cases) {
      const { status, json } = await api(`/calls?${query}`);
      expect(status, query).toBe(400);
      expect(json.error.message, query).toMatch(message);
    }
    expect((await t.app.request("/api/calls")).status).toBe(401);
  });

  it("is described in the OpenAPI document", async () => {
    const doc = (await (await t.app.request("/api/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(doc.paths["/calls"]?.get).toBeDefined();
  });

  it("answers the filter from the jsonb index (with sequential scans off, as on a table large enough to prefer the index)", async () => {
    const { db } = testDatabase();
    const plan = await db.transaction(async (tx) => {
      await tx.execute("set local enable_seqscan = off");
      return tx.execute(`explain select call_id from calls where structured_outputs @> '{"followUpNeeded": true}'::jsonb`);
    });
    expect(JSON.stringify(plan)).toContain("calls_structured_outputs_idx");
  });
});
