import { afterEach, describe, expect, it } from "vitest";
import { signHmac } from "../../src/vapi/auth.ts";
import { TEST_SECRET } from "../support/harness.ts";
import { productionOnPrivateStack, type StalledUpload, stalledUpload, type WatchedServer } from "../support/production-server.ts";
import { endOfCallReport, testCallId, toolCallsMessage } from "../support/vapi-messages.ts";

const prod = productionOnPrivateStack("faults-slow-bodies");
let server: WatchedServer | undefined;
let uploads: StalledUpload[] = [];

afterEach(async () => {
  for (const u of uploads) u.close();
  uploads = [];
  await server?.stop();
});

const HMAC_SECRET = "slow-bodies-hmac-secret";
// What the stalled connections may add to resident memory: their sockets' buffers, which the
// runtime holds whatever the app reads (measured: under 64 MiB on Node 20, 77-85 MiB on Node 24).
// The answers while they stall are what tell reading from not reading.
const RSS_GROWTH_MIB = 128;
const DECLARED = 8_000_000;
const SENT = 1_000_000;
// Well beyond the body read timeout (1 s here); before the fix no answer came until the body did.
const ANSWERED_WITHIN_MS = 20_000;

function start(env: Record<string, string> = {}) {
  return prod.start({ BODY_READ_TIMEOUT_MS: "1000", ...env });
}

/** Every stalled upload's answer, or a failure naming how many were still unanswered. */
async function answersWhileStalled(): Promise<number[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("stalled uploads were not answered while stalled")), ANSWERED_WITHIN_MS);
  });
  try {
    return await Promise.race([Promise.all(uploads.map((u) => u.status)), bound]);
  } finally {
    clearTimeout(timer);
  }
}

async function callTool(base: string): Promise<number> {
  const res = await fetch(`${base}/vapi/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-vapi-secret": TEST_SECRET },
    body: JSON.stringify(toolCallsMessage([{ name: "get_business_hours" }])),
  });
  const json = (await res.json()) as { results?: { result?: string }[] };
  return res.status === 200 && json.results?.[0]?.result ? 200 : res.status;
}

describe("100 stalled unauthenticated uploads", () => {
  it("with a wrong or missing secret: each is answered 401 from its headers, nothing of the bodies is held", async () => {
    server = await start();
    const rssBefore = server.peakRssMiB();
    for (let i = 0; i < 100; i++) {
      uploads.push(stalledUpload(server.base, i % 2 === 0 ? { "x-vapi-secret": "wrong-secret-0123456789" } : {}, DECLARED, SENT));
    }
    const statuses = await answersWhileStalled();
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(await callTool(server.base)).toBe(200);
    // Before the fix the server read every body: 100 MB held here (450 MB in the original attack).
    expect(server.peakRssMiB() - rssBefore).toBeLessThan(RSS_GROWTH_MIB);
    expect(server.exited()).toBeUndefined();
  }, 60_000);

  it("with an HMAC signature header (the body is needed to verify it): each is answered 408 or 503 within the read timeout, and signed traffic still gets through", async () => {
    server = await start({ VAPI_HMAC_SECRET: HMAC_SECRET });
    const rssBefore = server.peakRssMiB();
    const stamp = String(Math.floor(Date.now() / 1000));
    for (let i = 0; i < 100; i++) {
      uploads.push(stalledUpload(server.base, { "x-signature": "0".repeat(64), "x-timestamp": stamp }, DECLARED, SENT));
    }
    const statuses = await answersWhileStalled();
    // 408: read timed out; 503: the small budget for not-yet-verified bodies was taken by the others.
    for (const s of statuses) expect([408, 503]).toContain(s);
    expect(statuses).toContain(408);
    // Authenticated traffic was never starved: it draws on its own budget.
    expect(await callTool(server.base)).toBe(200);
    expect(server.peakRssMiB() - rssBefore).toBeLessThan(RSS_GROWTH_MIB);

    // A correctly signed report goes through once the stalled uploads are gone.
    for (const u of uploads) u.close();
    const body = new TextEncoder().encode(JSON.stringify(endOfCallReport(500_000, { callId: testCallId() })));
    const now = String(Math.floor(Date.now() / 1000));
    const signature = await signHmac({ secret: HMAC_SECRET, algorithm: "sha256", encoding: "hex", prefix: "" }, now, body);
    // What the stalled reads held is given back within twice the read timeout; until then a 503
    // asks to retry after Retry-After seconds, as Vapi's backoff plan does.
    let status = 503;
    let attempts = 0;
    while (status === 503 && attempts++ < 5) {
      const res = await fetch(`${server.base}/vapi/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-signature": signature, "x-timestamp": now },
        body,
      });
      status = res.status;
      await res.arrayBuffer();
      if (status === 503) await new Promise((r) => setTimeout(r, Number(res.headers.get("retry-after")) * 1000));
    }
    expect(status).toBe(200);
    expect(server.exited()).toBeUndefined();
  }, 60_000);
});

describe("400 stalled uploads to the payment confirmation (anyone may post there; the signature covers the body)", () => {
  it("are each answered 408 or 503 within the read timeout from the small unverified budget, holding little memory, and Vapi's calls still get through", async () => {
    server = await start();
    const rssBefore = server.peakRssMiB();
    for (let i = 0; i < 400; i++) {
      uploads.push(stalledUpload(server.base, { "x-switchboard-signature": "0".repeat(64) }, 255_000, 250_000, "/payments/link/confirm"));
    }
    const statuses = await answersWhileStalled();
    for (const s of statuses) expect([408, 503]).toContain(s);
    expect(await callTool(server.base)).toBe(200);
    // Before the fix each body was read whole, with no time limit: 100 MB held here (1.25 GB in the attack).
    expect(server.peakRssMiB() - rssBefore).toBeLessThan(RSS_GROWTH_MIB);
    expect(server.exited()).toBeUndefined();
  }, 60_000);
});
