// Protects the knowledge base: documents loaded over the REST API and by `npm run kb:load`, chunked and searched with ranked, language-aware Postgres full-text search, answered to knowledge-base-request in Vapi's documents shape, cached and invalidated when a document changes, and named on the served assistant only when documents exist.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main as kbLoad } from "../../scripts/cli/kb-load.ts";
import { chunkDocument } from "../../src/services/knowledge-base/chunking.ts";
import { normalizeQuestion } from "../../src/services/knowledge-base/search.ts";
import { createTestApp, type TestApp, testDatabase } from "../support/harness.ts";
import { testCallId } from "../support/vapi-messages.ts";
import { formatVapiIssues, vapiValidator } from "../support/vapi-schema.ts";

const API_TOKEN = "knowledge-api-token-0123456789abcd";
const errorsOf = (schema: string, value: unknown) => formatVapiIssues(vapiValidator().validate(schema, value).errors);
// The knowledge base is one per database: this file owns its documents while it runs (sources
// are unique to it, and the state tests look only at what this file added and removed).
const tag = `kbtest-${process.pid}`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { API_TOKEN, VAPI_CREDENTIAL_ID: "cred-kb" } });
});
afterAll(async () => {
  await testDatabase().db.execute(sql`delete from kb_documents where source like ${`${tag}%`}`);
});

const api = (method: string, path: string, body?: unknown) =>
  t.app.request(`/api${path}`, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

function kbRequest(question: string) {
  return {
    message: {
      type: "knowledge-base-request",
      timestamp: Date.now(),
      call: {
        id: testCallId(),
        orgId: "org-1",
        type: "inboundPhoneCall",
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      },
      messages: [
        { role: "bot", message: "Hi, how can I help?", time: 1, secondsFromStart: 0 },
        { role: "user", message: question, time: 2, secondsFromStart: 1 },
      ],
      messagesOpenAIFormatted: [
        { role: "assistant", content: "Hi, how can I help?" },
        { role: "user", content: question },
      ],
    },
  };
}

async function ask(question: string) {
  const body = kbRequest(question);
  expect(errorsOf("ServerMessageKnowledgeBaseRequest", body.message)).toBe("");
  const { status, json } = await t.webhook(body);
  expect(status).toBe(200);
  expect(errorsOf("ServerMessageResponseKnowledgeBaseRequest", json)).toBe("");
  return json.documents as { content: string; similarity: number; uuid: string }[];
}

/** kb:load's output and error lines in one transcript, on the test app's database and cache (or none: `withoutStores`). */
function transcript(withoutStores = false) {
  const io = {
    said: "",
    out(text: string) {
      io.said += text;
    },
    err(text: string) {
      io.said += text;
    },
    ...(withoutStores ? {} : { db: t.deps.db, cache: t.deps.cache }),
  };
  return io;
}

const policies = `# Store policies ${tag}

## Refunds
Products can be returned unopened within 30 days with the receipt. Gift cards are not refundable.

## Parking
Free customer parking is behind the building, entered from Maple Street.
`;

describe("the knowledge base", () => {
  it("chunks a markdown document by heading, keeping the heading path", () => {
    const parsed = chunkDocument(policies, "fallback");
    expect(parsed.title).toBe(`Store policies ${tag}`);
    expect(parsed.chunks.map((c) => c.heading)).toEqual([`Store policies ${tag} > Refunds`, `Store policies ${tag} > Parking`]);
    const long = chunkDocument(`# Long\n\n${"A sentence about returns. ".repeat(200)}`, "x");
    expect(long.chunks.length).toBeGreaterThan(4);
    expect(Math.max(...long.chunks.map((c) => c.content.length))).toBeLessThanOrEqual(1000);
  });

  it("answers a spoken question with the best passage first, in Vapi's documents shape", async () => {
    const res = await api("POST", "/knowledge-base/documents", { source: `${tag}/policies.md`, content: policies });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ source: `${tag}/policies.md`, chunks: 2, language: "english", created: true });
    const documents = await ask(`Can I get a refund for a gift card? (${tag})`);
    expect(documents.length).toBeGreaterThan(0);
    expect(documents[0]!.content).toContain("Gift cards are not refundable");
    expect(documents[0]!.similarity).toBeGreaterThan(0);
    // Stemmed: "returning" finds "returned"; a stop-word-only question finds nothing.
    expect((await ask(`returning products ${tag}`))[0]!.content).toContain("returned unopened");
    expect(await ask("what is the")).toEqual([]);
  });

  it("searches each document in its own language", async () => {
    const french = `# Horaires ${tag}\n\nNous sommes ouverts le samedi matin. Les chiens sont acceptés en laisse.`;
    const res = await api("POST", "/knowledge-base/documents", { source: `${tag}/horaires.md`, content: french, language: "french" });
    expect(res.status).toBe(200);
    // French stemming: "chien" finds "chiens", "ouvert" finds "ouverts".
    const found = await ask(`chien ouvert ${tag}`);
    expect(found[0]?.content).toContain("Les chiens sont acceptés");
    expect((await api("POST", "/knowledge-base/documents", { source: `${tag}/x.md`, content: "x", language: "klingon" })).status).toBe(400);
  });

  it("answers a question made only of exclusions with no passages, and never hands the model a card number from a document", async () => {
    expect(await ask("-parking -refund")).toEqual([]);
    const loaded = await api("POST", "/knowledge-base/documents", {
      source: `${tag}/cards.md`,
      content: `# Test cards ${tag}\n\nFor testing ${tag} checkout, the card 4111 1111 1111 1111 always succeeds.`,
    });
    expect(loaded.status).toBe(200);
    const found = await ask(`testing ${tag} checkout card`);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]!.content).toContain("[card number]");
    expect(found[0]!.content).not.toMatch(/4111/);
  });

  it("answers a 100,000-character question from its first words, like any other", async () => {
    const long = `Where do I park? ${"and also something else entirely ".repeat(3_200)}`;
    expect(long.length).toBeGreaterThan(100_000);
    const documents = await ask(long);
    expect(documents[0]?.content).toContain("Maple Street");
  });

  it("never keeps a card number the caller read out in its cache key, and answers words with NUL and control characters", async () => {
    const key = normalizeQuestion("My card number is 4111 1111 1111 1111, can I pay for parking with it?");
    expect(key).not.toMatch(/4111|1111/);
    expect(key).toContain("parking");
    expect(normalizeQuestion("where\u0000do I\u0007 park")).toBe("where do i park");
    const before = t.logs.length;
    expect((await ask("where do I \u0000park?"))[0]?.content).toContain("Maple Street");
    expect(await ask("\u0000")).toEqual([]);
    expect(t.logs.slice(before).filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it("serves a cached answer until a document changes, then the new text", async () => {
    const source = `${tag}/hours.md`;
    await api("POST", "/knowledge-base/documents", { source, content: `# Hours ${tag}\n\nThe workshop opens at nine.` });
    expect((await ask(`workshop opens ${tag}`))[0]!.content).toContain("opens at nine");
    // Changed underneath the cache, without the service: the cached answer stands.
    await testDatabase().db.execute(sql`update kb_chunks set content = 'The workshop opens at noon.' where heading = ${`Hours ${tag}`}`);
    expect((await ask(`workshop opens ${tag}`))[0]!.content).toContain("opens at nine");
    // Changed through the API: invalidated once committed.
    await api("POST", "/knowledge-base/documents", { source, content: `# Hours ${tag}\n\nThe workshop opens at ten.` });
    expect((await ask(`workshop opens ${tag}`))[0]!.content).toContain("opens at ten");
    expect(await (await api("DELETE", `/knowledge-base/document?source=${encodeURIComponent(source)}`)).json()).toEqual({
      source,
      removed: true,
    });
    expect((await ask(`workshop opens ${tag}`)).some((d) => d.content.includes("workshop"))).toBe(false);
  });

  it("names the custom knowledge base on the served assistant only while documents exist", async () => {
    const served = async () => {
      const { json } = await t.webhook({
        message: {
          type: "assistant-request",
          timestamp: Date.now(),
          call: { id: testCallId(), type: "inboundPhoneCall", customer: { number: "+12125550188" } },
        },
      });
      expect(errorsOf("ServerMessageResponseAssistantRequest", json)).toBe("");
      return (json.assistant as { model: { knowledgeBase?: { provider: string; server: { url: string; credentialId: string } } } }).model
        .knowledgeBase;
    };
    const { documents } = (await (await api("GET", "/knowledge-base/documents")).json()) as { documents: { source: string }[] };
    expect(documents.length).toBeGreaterThan(0);
    expect(await served()).toMatchObject({
      provider: "custom-knowledge-base",
      server: { url: expect.stringMatching(/\/vapi\/webhook$/), credentialId: "cred-kb" },
    });
    const others = documents.filter((d) => !d.source.startsWith(tag));
    if (others.length === 0) {
      for (const d of documents) await api("DELETE", `/knowledge-base/document?source=${encodeURIComponent(d.source)}`);
      expect(await served()).toBeUndefined();
    }
  });

  it("names it on every member of a served squad, also beside a stored assistant, and never on the stored assistant's overrides", async () => {
    expect((await api("POST", "/knowledge-base/documents", { source: `${tag}/squad.md`, content: policies })).status).toBe(200);
    const stored = await createTestApp({ env: { VAPI_CREDENTIAL_ID: "cred-kb", VAPI_ASSISTANT_ID: "asst-stored" } });
    const request = (phoneNumberId?: string) => ({
      message: {
        type: "assistant-request",
        timestamp: Date.now(),
        call: {
          id: testCallId(),
          type: "inboundPhoneCall",
          ...(phoneNumberId ? { phoneNumberId } : {}),
          customer: { number: "+12125550188" },
        },
      },
    });
    // The front-desk line is routed to the squad of assistant.config.ts.
    const squad = await stored.webhook(request("demo-front-desk"));
    expect(errorsOf("ServerMessageResponseAssistantRequest", squad.json)).toBe("");
    const members = (squad.json.squad as { members: { assistant: { model: { knowledgeBase?: unknown } } }[] }).members;
    expect(members.length).toBeGreaterThan(1);
    for (const m of members)
      expect(m.assistant.model.knowledgeBase).toMatchObject({ provider: "custom-knowledge-base", server: { credentialId: "cred-kb" } });
    // The stored assistant names it or not as `npm run vapi -- apply` stored it: overrides carry only variables.
    const byId = await stored.webhook(request());
    expect(byId.json).toMatchObject({ assistantId: "asst-stored" });
    expect(Object.keys(byId.json.assistantOverrides as object)).toEqual(["variableValues"]);
  });

  it("loads a folder with npm run kb:load (markdown and text only), replacing what it loaded before", async () => {
    const folder = await mkdtemp(join(tmpdir(), "sb-kb-"));
    try {
      await mkdir(join(folder, tag));
      await writeFile(join(folder, tag, "repairs.md"), "# Repairs\n\nRepairs come with a 90 day warranty.");
      await writeFile(join(folder, tag, "notes.txt"), "Deliveries arrive on Tuesdays.");
      await writeFile(join(folder, tag, "image.png"), "not text");
      const run = async (env: Record<string, string> = {}) => {
        const io = transcript();
        expect(await kbLoad([folder], env, io)).toBe(0);
        return { stdout: io.said };
      };
      const first = await run();
      expect(first.stdout).toContain(`added ${tag}/notes.txt: 1 passage(s)`);
      expect(first.stdout).toContain(`added ${tag}/repairs.md: 1 passage(s)`);
      expect(first.stdout).not.toContain("image.png");
      expect(first.stdout).not.toContain("VAPI_ASSISTANT_ID");
      const again = await run({ VAPI_ASSISTANT_ID: "asst-stored" });
      expect(again.stdout).toContain(`updated ${tag}/repairs.md`);
      // A stored assistant names the knowledge base as it was applied: the command says to apply again.
      expect(again.stdout).toContain("VAPI_ASSISTANT_ID is set");
      const rows = await testDatabase().db.execute<{ source: string; title: string; n: number }>(
        sql`select d.source, d.title, count(c.id)::int as n from kb_documents d join kb_chunks c on c.document_id = d.id
            where d.source in (${`${tag}/notes.txt`}, ${`${tag}/repairs.md`}) group by d.source, d.title order by d.source`,
      );
      expect(rows.map((r) => ({ ...r }))).toEqual([
        { source: `${tag}/notes.txt`, title: `${tag}/notes.txt`, n: 1 },
        { source: `${tag}/repairs.md`, title: "Repairs", n: 1 },
      ]);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("npm run kb:load", () => {
  it("skips a binary, a non-UTF-8 and an empty file on their own, loads the rest, and never prints a file's bytes", async () => {
    const folder = await mkdtemp(join(tmpdir(), "sb-kb-odd-"));
    try {
      await mkdir(join(folder, tag));
      await writeFile(join(folder, tag, "a-binary.md"), Buffer.from([0x23, 0x20, 0x41, 0x00, 0x42, 0x43]));
      await writeFile(join(folder, tag, "b-latin1.txt"), Buffer.from([0x43, 0x61, 0x66, 0xe9]));
      await writeFile(join(folder, tag, "c-empty.md"), "   \n");
      await writeFile(join(folder, tag, "d-later.md"), "# Later\n\nLoaded after the odd ones.");
      const io = transcript();
      expect(await kbLoad([folder], {}, io)).toBe(1);
      const said = io.said;
      expect(said).toContain(`${tag}/a-binary.md: not a text file`);
      expect(said).toContain(`${tag}/b-latin1.txt: not UTF-8 text`);
      expect(said).toContain(`${tag}/c-empty.md: empty`);
      expect(said).toContain(`added ${tag}/d-later.md: 1 passage(s)`);
      expect(said).not.toContain("params");
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("names what it needs: a folder, then a database", async () => {
    const io = transcript(true);
    expect(await kbLoad([], {}, io)).toBe(2);
    expect(io.said).toContain("Usage: npm run kb:load -- <folder>");
    expect(await kbLoad(["knowledge-base"], {}, io)).toBe(2);
    expect(io.said).toContain("Set DATABASE_URL");
  });
});
