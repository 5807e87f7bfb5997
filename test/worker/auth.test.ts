// Protects authentication inside workerd: secret, bearer and HMAC are accepted, anything else gets 401 and runs nothing.
import { describe, expect, it } from "vitest";
import { signHmac } from "../../src/vapi/auth.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";
import { HMAC_SECRET, SECRET, webhook } from "./support.ts";

const body = JSON.stringify(toolCallsMessage([{ id: "auth_1", name: "echo", args: { text: "ok" } }]));
const hmac = { secret: HMAC_SECRET, algorithm: "sha256", encoding: "hex", prefix: "" } as const;

async function signed(timestamp: string, payload = body) {
  return { "x-timestamp": timestamp, "x-signature": await signHmac(hmac, timestamp, new TextEncoder().encode(payload)) };
}

describe("accepted credentials", () => {
  it("accepts the shared secret, a bearer token and a fresh HMAC signature", async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const accepted: Record<string, string>[] = [{ "x-vapi-secret": SECRET }, { authorization: `Bearer ${SECRET}` }, await signed(now)];
    for (const headers of accepted) {
      const { status, json } = await webhook(body, headers);
      expect(status).toBe(200);
      expect(json.results?.[0]).toMatchObject({ toolCallId: "auth_1", result: expect.stringContaining('"text":"ok"') });
    }
  });
});

describe("rejected requests", () => {
  it("answers 401 to a missing, wrong or malformed credential", async () => {
    const now = String(Math.floor(Date.now() / 1000));
    const tampered = await signed(now, body.replace("ok", "ko"));
    const stale = await signed(String(Math.floor(Date.now() / 1000) - 3600));
    const rejected: Record<string, string>[] = [
      {},
      { "x-vapi-secret": `${SECRET}x` },
      { authorization: `Bearer ${SECRET.slice(1)}` },
      { authorization: `Basic ${SECRET}` },
      tampered,
      stale,
    ];
    for (const headers of rejected) {
      const { status, json } = await webhook(body, headers);
      expect(status).toBe(401);
      expect(json).toEqual({ error: { code: "unauthorized", message: "Missing or invalid Vapi credentials." } });
    }
  });
});
