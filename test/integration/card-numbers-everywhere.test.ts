// Protects the promise that a card number, in any spelling, is never stored or logged: refused in tool arguments before anything is written, and redacted from every stored part of an end-of-call report.
import "../support/fast-check-seed.ts";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { findCardNumbers } from "../../src/lib/card-numbers.ts";
import { CARD_REFUSAL } from "../../src/tools/dispatch/card-guard.ts";
import { callTool, givenAccount, givenSlots, uniquePhone } from "../support/business.ts";
import { BYPASSES, cardInSentenceArb } from "../support/card-spellings.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { scanLogLines } from "../support/log-scan.ts";
import { testCallId } from "../support/vapi-messages.ts";

const db = () => testDatabase().db;
const statefulTools = fileURLToPath(new URL("../fixtures/stateful-tools", import.meta.url));

let shop: TestApp;
let memory: TestApp;
beforeAll(async () => {
  // Generous budgets: these tests are about what is stored, not about time.
  shop = await createTestApp({ env: { TOOL_BUDGET_MS: "5000", SIDE_EFFECT_LIMIT_PER_MINUTE: "0" } });
  memory = await createTestApp({ toolsDir: statefulTools, env: { TOOL_BUDGET_MS: "5000", SIDE_EFFECT_LIMIT_PER_MINUTE: "0" } });
});

/** Every stored row that belongs to `caller` (or to one of `callIds`), as Postgres prints it. */
async function rowsOf(caller: string, callIds: readonly string[] = []) {
  const ids = callIds.length > 0 ? callIds : ["-"];
  const read = async (query: ReturnType<typeof sql>) => (await db().execute<{ row: string }>(query)).map((r) => r.row);
  return {
    appointments: await read(
      sql`select a::text as row from appointments a join customers c on c.id = a.customer_id where c.phone = ${caller}`,
    ),
    customers: await read(sql`select c::text as row from customers c where c.phone = ${caller}`),
    tool_calls: await read(sql`select t::text as row from tool_calls t where t.caller_number = ${caller} or t.call_id in ${ids}`),
    outbox: await read(sql`select o::text as row from outbox o where o.recipient = ${caller}`),
    caller_memory: await read(sql`select m::text as row from caller_memory m where m.caller_number = ${caller}`),
    calls: await read(sql`select c::text as row from calls c where c.caller_number = ${caller}`),
    payment_requests: await read(sql`select p::text as row from payment_requests p where p.sent_to = ${caller}`),
  };
}

/** The tables holding a card number (by the shared detector) in a row of `caller`. */
async function tablesWithCards(caller: string, callIds: readonly string[] = []): Promise<string[]> {
  const rows = await rowsOf(caller, callIds);
  return Object.entries(rows)
    .filter(([, texts]) => texts.some((text) => findCardNumbers(text).length > 0))
    .map(([table]) => table);
}

function logFindings(t: TestApp) {
  return scanLogLines(t.logs, []).filter((f) => f.what.startsWith("card"));
}

/** Sends `text` through every tool that would store it, as one caller; answers keyed by tool. */
async function tryToStore(text: string) {
  const caller = uniquePhone();
  const { slotIds } = await givenSlots(shop, [300]);
  const { invoiceIds } = await givenAccount(shop, caller, [{ amountCents: 12_000, dueDate: "2099-03-13" }]);
  const answers = {
    book: await callTool(shop, "book_appointment", { slotId: slotIds[0], customerName: "Sam Patel", notes: text }, { caller }),
    bookByName: await callTool(shop, "book_appointment", { slotId: slotIds[0], customerName: text }, { caller }),
    payByInvoice: await callTool(shop, "send_payment_link", { invoiceId: invoiceIds[0], note: text }, { caller }),
    remember: await callTool(memory, "remember_name", { name: text }, { caller }),
  };
  return { caller, slotId: slotIds[0]!, answers };
}

describe("card numbers in tool arguments", () => {
  it.each(BYPASSES)("refuses a card written with %s, in any tool, and stores and logs nothing", async (_, card) => {
    const text = `Sure, my card is ${card} exp 12/28 cvv 123 and that's it.`;
    const { caller, slotId, answers } = await tryToStore(text);
    for (const a of Object.values(answers)) {
      expect(a.error).toBe(CARD_REFUSAL);
      expect(a.result).toBeUndefined();
    }
    const [booked] = await db().execute<{ n: number }>(sql`select count(*)::int as n from appointments where slot_id = ${slotId}`);
    expect(booked!.n).toBe(0);
    const rows = await rowsOf(caller);
    expect(rows.tool_calls).toEqual([]);
    expect(rows.outbox).toEqual([]);
    expect(rows.caller_memory).toEqual([]);
    expect(rows.payment_requests).toEqual([]);
    expect(await tablesWithCards(caller)).toEqual([]);
    expect(logFindings(shop)).toEqual([]);
    expect(logFindings(memory)).toEqual([]);
  });

  it("refuses generated cards in every spelling, inside sentences, and stores nothing", async () => {
    await fc.assert(
      fc.asyncProperty(cardInSentenceArb, async ({ text }) => {
        const { caller, answers } = await tryToStore(text);
        expect(Object.values(answers).map((a) => a.error)).toEqual(Object.values(answers).map(() => CARD_REFUSAL));
        expect(await tablesWithCards(caller)).toEqual([]);
        const rows = await rowsOf(caller);
        expect([...rows.tool_calls, ...rows.outbox, ...rows.caller_memory, ...rows.appointments]).toEqual([]);
      }),
      { numRuns: 25 },
    );
    expect(logFindings(shop)).toEqual([]);
    expect(logFindings(memory)).toEqual([]);
  }, 120_000);
});

describe("card numbers in an end-of-call report", () => {
  const TRANSCRIPT_CARDS = [
    "4111. 1111. 1111. 1111.",
    "4111, 1111, 1111, 1111",
    "4111 - 1111 - 1111 - 1111",
    "3782 822463 10005",
    "four one one one, one one one one, one one one one, one one one one",
    "５５５５ ５５５５ ５５５５ ４４４４",
  ];

  function report(callId: string, caller: string, text: string) {
    return {
      message: {
        type: "end-of-call-report",
        endedReason: "customer-ended-call",
        timestamp: Date.now(),
        call: { id: callId, type: "inboundPhoneCall", customer: { number: caller } },
        customer: { number: caller },
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        endedAt: new Date().toISOString(),
        analysis: {
          summary: `The caller read a card: ${text}`,
          // Written by Vapi's model, which may quote the caller.
          successEvaluation: `Fail: the caller read out ${text}`,
          structuredData: {
            card: text,
            [text]: "as a key",
            nested: { list: [text, { deeper: text }], "4111 1111 1111 1111": 1 },
            asNumber: 4111111111111111,
          },
        },
        artifact: {
          transcript: `AI: How would you like to pay?\nUser: ${text}\nAI: Thanks.`,
          messages: [
            { role: "bot", message: "How would you like to pay?", time: 1, secondsFromStart: 1 },
            { role: "user", message: text, time: 2, secondsFromStart: 2 },
          ],
          recordingUrl: "https://example.com/rec.wav",
        },
      },
    };
  }

  it.each(TRANSCRIPT_CARDS)(
    "stores no card from %j in the transcript, summary, structured data (keys too) or caller memory",
    async (card) => {
      const caller = uniquePhone();
      const callId = testCallId();
      const text = `Sure, it's ${card} exp 12/28 cvv 123, thanks`;
      const { status, json } = await shop.webhook(report(callId, caller, text));
      expect(status).toBe(200);
      expect(json).toEqual({});
      const rows = await rowsOf(caller, [callId]);
      expect(rows.calls).toHaveLength(1);
      expect(rows.caller_memory).toHaveLength(1);
      expect(await tablesWithCards(caller, [callId])).toEqual([]);
      const [call] = await db().execute<{ transcript: string; summary: string; structured: string }>(
        sql`select transcript, summary, structured_data::text as structured from calls where call_id = ${callId}`,
      );
      // Redacted where it was, not dropped: a reader still sees that a card was read out.
      expect(call!.transcript).toContain("[card number]");
      expect(call!.summary).toContain("[card number]");
      expect(call!.structured).toContain("[card number]");
      expect(call!.transcript).not.toMatch(/12\/28|cvv 123/);
      const [evaluated] = await db().execute<{ success_evaluation: string }>(
        sql`select success_evaluation from calls where call_id = ${callId}`,
      );
      expect(evaluated!.success_evaluation).toContain("[card number]");
      expect(logFindings(shop)).toEqual([]);
    },
  );

  it("stores no card from generated spellings in any stored field", async () => {
    await fc.assert(
      fc.asyncProperty(cardInSentenceArb, async ({ text }) => {
        const caller = uniquePhone();
        const callId = testCallId();
        expect((await shop.webhook(report(callId, caller, text))).status).toBe(200);
        const rows = await rowsOf(caller, [callId]);
        expect(rows.calls).toHaveLength(1);
        expect(await tablesWithCards(caller, [callId])).toEqual([]);
      }),
      { numRuns: 40 },
    );
    expect(logFindings(shop)).toEqual([]);
  }, 120_000);
});
