// Protects Node's call-record spool: a record the database cannot take is acknowledged only once it is on disk (only its stored, redacted fields), is written to the database when it comes back, survives a restart, is never counted twice, and is refused (503) when the spool cannot take it.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type DatabaseHandle } from "../../src/db/client.ts";
import { callerMemory, calls } from "../../src/db/schema/index.ts";
import { createTestApp, type TestApp } from "../support/harness.ts";
import { type PrivateStack, startPrivateStack } from "../support/private-stack.ts";
import { type SwitchableProxy, switchableProxy } from "../support/switchable-proxy.ts";
import { endOfCallReport, statusUpdate, testCallId } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
let stack: PrivateStack;
let proxy: SwitchableProxy;
let proxied: DatabaseHandle;
const opened: TestApp[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  stack = await startPrivateStack();
  proxy = await switchableProxy(stack.postgres.url);
  proxied = createDatabase(proxy.url, { max: 4, connectTimeoutSeconds: 1 });
}, 120_000);

afterAll(async () => {
  await proxied?.close().catch(() => {});
  await proxy?.close();
  await stack?.destroy();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 60_000);

afterEach(async () => {
  proxy.set("up");
  for (const t of opened.splice(0)) await t.deps.callRecordSpool?.close();
});

const spoolDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "switchboard-spool-"));
  dirs.push(dir);
  return dir;
};

/** An app on the proxied database with a spool in `dir` (retrying every 50 ms here). */
async function appWithSpool(dir: string, maxBytes = 10 * 1024 * 1024): Promise<TestApp> {
  const t = await createTestApp({
    toolsDir: fixtures,
    db: proxied.db,
    cache: stack.cache,
    env: { LOG_LEVEL: "debug" },
    spool: { dir, maxBytes, retryDelaysMs: [50] },
  });
  opened.push(t);
  return t;
}

const row = async (callId: string) => (await stack.database.db.select().from(calls).where(eq(calls.callId, callId)))[0];
const segments = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".jsonl") && n !== "set-aside.jsonl");
const uniqueCaller = () => `+1555${String(randomBytes(4).readUInt32BE() % 10_000_000).padStart(7, "0")}`;

describe("the database down", () => {
  it("acknowledges a report once it is on disk, holding only the stored fields, and stores it when the database returns", async () => {
    const dir = spoolDir();
    const t = await appWithSpool(dir);
    const callId = testCallId();
    const caller = uniqueCaller();
    const report = endOfCallReport(300_000, { callId, caller });
    report.message.artifact.transcript = `AI: Hello\nUser: my card is 4111 1111 1111 1111, call me on ${caller}`;
    proxy.set("down");
    const answer = await t.webhook(report);
    expect(answer).toEqual({ status: 200, json: {} });
    expect(t.deps.callRecordSpool?.pending).toBe(1);

    const [segment] = segments(dir);
    const onDisk = readFileSync(join(dir, segment!), "utf8");
    expect(onDisk.length, "the 300 KB of messages are not spooled: they are not stored").toBeLessThan(2_000);
    expect(JSON.parse(onDisk)).toMatchObject({ kind: "report", callId, callerNumber: caller, endedReason: "customer-ended-call" });
    expect(onDisk).not.toContain("4111");
    expect(onDisk).toContain("[card number]");
    expect(await row(callId)).toBeUndefined();

    proxy.set("up");
    await expect.poll(async () => (await row(callId))?.endedReason ?? null, { timeout: 10_000 }).toBe("customer-ended-call");
    await expect.poll(() => t.deps.callRecordSpool?.pending).toBe(0);
    await expect.poll(() => segments(dir).length).toBe(0);
  });

  it("sends later records straight to the spool while it holds some, and stores a status update and a report in any order", async () => {
    const dir = spoolDir();
    const t = await appWithSpool(dir);
    const callId = testCallId();
    proxy.set("down");
    expect((await t.webhook(endOfCallReport(10_000, { callId }))).status).toBe(200);
    expect((await t.webhook(statusUpdate("in-progress", { callId }))).status).toBe(200);
    expect(t.deps.callRecordSpool?.pending).toBe(2);
    proxy.set("up");
    await t.deps.callRecordSpool!.drain();
    expect(await row(callId)).toMatchObject({ status: "ended", endedReason: "customer-ended-call" });
  });

  it("counts a call once in caller memory when the spooled copy and Vapi's redelivery both land", async () => {
    const dir = spoolDir();
    const t = await appWithSpool(dir);
    const callId = testCallId();
    const caller = uniqueCaller();
    proxy.set("down");
    expect((await t.webhook(endOfCallReport(10_000, { callId, caller }))).status).toBe(200);
    proxy.set("up");
    // Vapi delivers the report again before the spool is written (a redelivery, or a second instance).
    const other = await createTestApp({ toolsDir: fixtures, db: stack.database.db, cache: stack.cache });
    expect((await other.webhook(endOfCallReport(10_000, { callId, caller }))).status).toBe(200);
    await t.deps.callRecordSpool!.drain();
    const [memory] = await stack.database.db.select().from(callerMemory).where(eq(callerMemory.callerNumber, caller));
    expect(memory?.callCount).toBe(1);
  });

  it("refuses a record with 503 and Retry-After when the spool is full: nothing unstored is acknowledged", async () => {
    const t = await appWithSpool(spoolDir(), 200);
    proxy.set("down");
    const res = await t.app.request("/vapi/webhook", {
      method: "POST",
      headers: { "content-type": "application/json", "x-vapi-secret": t.deps.auth.secret },
      body: JSON.stringify(endOfCallReport(10_000)),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(t.deps.callRecordSpool?.pending).toBe(0);
    expect(t.logs.some((l) => l.includes("call record spool is full"))).toBe(true);
  });
});

describe("a spool left by an earlier run", () => {
  it("is stored at start; a line cut short by a crash is skipped, a line that is no record is set aside", async () => {
    const dir = spoolDir();
    const first = testCallId();
    const second = testCallId();
    const record = (callId: string) => ({ kind: "status", callId, atMs: Date.now(), status: "ringing", callerNumber: undefined });
    writeFileSync(
      join(dir, "000001700000000-0.jsonl"),
      `${JSON.stringify(record(first))}\n${JSON.stringify({ hello: "not a record" })}\n${JSON.stringify(record(second))}\n{"kind":"status","callId":"cut`,
    );
    const t = await appWithSpool(dir);
    await t.deps.callRecordSpool!.drain();
    expect((await row(first))?.status).toBe("ringing");
    expect((await row(second))?.status).toBe("ringing");
    expect(segments(dir)).toEqual([]);
    expect(readFileSync(join(dir, "set-aside.jsonl"), "utf8")).toBe('{"hello":"not a record"}\n');
    expect(t.logs.some((l) => l.includes("spooled call record set aside"))).toBe(true);
    expect(t.logs.some((l) => l.includes("ends in a cut write"))).toBe(true);
  });
});
