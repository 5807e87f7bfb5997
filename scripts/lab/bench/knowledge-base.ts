/**
 * Knowledge-base scenarios: a few thousand passages (a business's FAQ, policies and service pages
 * many times over, with varied vocabulary), then knowledge-base-request with a new question each
 * time (the search itself: websearch_to_tsquery, the GIN index, ts_rank) and with repeated
 * questions (the cached answer).
 */
import { sql } from "drizzle-orm";
import type { Database } from "../../../src/db/client.ts";
import { kbChunks, kbDocuments } from "../../../src/db/schema/index.ts";
import type { BenchContext, Scenario } from "./scenarios.ts";

const TOPICS = [
  "parking",
  "refund",
  "cancellation",
  "warranty",
  "repair",
  "delivery",
  "invoice",
  "payment",
  "appointment",
  "reminder",
  "fitting",
  "consultation",
  "accessibility",
  "pets",
  "privacy",
  "recording",
  "gift card",
  "opening hours",
  "holiday",
  "return",
];
const VERBS = ["arrange", "request", "change", "collect", "confirm", "schedule", "reserve", "replace", "update", "check"];
const NOUNS = ["customer", "receipt", "vehicle", "package", "order", "account", "booking", "document", "label", "ticket"];

/** A passage of about 500 characters about `topic`, varied by `i`. */
function passage(topic: string, i: number): string {
  const words = (k: number) => `${VERBS[(i + k) % VERBS.length]} the ${NOUNS[(i * 3 + k) % NOUNS.length]}`;
  return [
    `Our ${topic} policy number ${i} explains how to ${words(1)} and ${words(2)}.`,
    `Customers who want to ${words(3)} can call us or ${words(4)} online at any time of day.`,
    `If you need to ${words(5)}, please bring a ${NOUNS[i % NOUNS.length]} and allow ${2 + (i % 9)} working days.`,
    `Staff will ${words(6)} and ${words(7)}; questions about ${topic} are answered by the front desk.`,
  ].join(" ");
}

export async function seedKnowledgeBase(db: Database, ctx: BenchContext) {
  const documents = ctx.smoke ? 40 : 200;
  const perDocument = 15; // 3,000 passages (600 in a smoke run)
  for (let d = 0; d < documents; d++) {
    const topic = TOPICS[d % TOPICS.length]!;
    const [doc] = await db
      .insert(kbDocuments)
      .values({ source: `bench/${d}.md`, title: `${topic} ${d}`, content: "(bench)" })
      .returning({ id: kbDocuments.id });
    await db.insert(kbChunks).values(
      Array.from({ length: perDocument }, (_, k) => ({
        documentId: doc!.id,
        ordinal: k,
        heading: `${topic} ${d} > Section ${k}`,
        content: passage(topic, d * perDocument + k),
        language: "english",
      })),
    );
  }
  await db.execute(sql`analyze kb_chunks`);
  ctx.data.kbPassages = [String(documents * perDocument)];
}

/** The i-th question: topic and wording vary, and a number makes each one new (a cache miss). */
function question(i: number, unique: boolean): string {
  const topic = TOPICS[i % TOPICS.length]!;
  const verb = VERBS[(i * 7) % VERBS.length]!;
  const noun = NOUNS[(i * 3) % NOUNS.length]!;
  return `How do I ${verb} my ${noun} for ${topic}${unique ? ` number ${i}` : ""}?`;
}

function kbRequest(text: string, i: number): string {
  return JSON.stringify({
    message: {
      type: "knowledge-base-request",
      timestamp: Date.now(),
      call: { id: `bench-kb-${i}` },
      messagesOpenAIFormatted: [{ role: "user", content: text }],
    },
  });
}

const answered = (r: { failedAnswers: number; errors: number }) => r.errors + r.failedAnswers === 0;

export const knowledgeBaseScenarios: Scenario[] = [
  {
    name: "knowledge base, new question",
    description:
      "knowledge-base-request with a question never asked before (cache miss): full-text search over 3,000 passages, whose words are in most of them; 50 questions a second on 8 connections (about 250 calls each asking every 5 s: a latency figure, not a saturation one)",
    method: "POST",
    path: "/vapi/webhook",
    connections: 8,
    rate: 50,
    amount: (ctx) => (ctx.smoke ? 100 : 1_000),
    prepare: seedKnowledgeBase,
    body: (i) => kbRequest(question(i, true), i),
    target: { text: "p99 ≤ 50 ms", met: (r) => r.p99 <= 50 && answered(r) },
  },
  {
    name: "knowledge base, repeated question",
    description: "knowledge-base-request with one of 50 questions already answered (cached until a document changes); 8 connections",
    method: "POST",
    path: "/vapi/webhook",
    connections: 8,
    prime: async (send) => {
      for (let i = 0; i < 50; i++) {
        const answer = await send(kbRequest(question(i, false), i));
        if (!answer.includes('"similarity"')) throw new Error(`priming question ${i} found nothing: ${answer}`);
      }
    },
    body: (i) => kbRequest(question(i % 50, false), i),
    target: { text: "p99 ≤ 10 ms", met: (r) => r.p99 <= 10 && answered(r) },
  },
];
