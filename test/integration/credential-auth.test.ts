// Protects the webhook against requests authenticated the way Vapi credentials configured by `npm run vapi -- apply` send them: a bearer token in a custom header without the prefix, and an HMAC over the body alone.
import { createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createTestApp, TEST_SECRET } from "../support/harness.ts";
import { statusUpdate } from "../support/vapi-messages.ts";

const fixtures = fileURLToPath(new URL("../fixtures/tools", import.meta.url));
const body = JSON.stringify(statusUpdate("in-progress"));

describe("POST /vapi/webhook with credential forms from the configuration", () => {
  it("accepts the bearer header and form VAPI_BEARER_HEADER / VAPI_BEARER_PREFIX name, and refuses a wrong token", async () => {
    const t = await createTestApp({ toolsDir: fixtures, env: { VAPI_BEARER_HEADER: "X-Switchboard-Token", VAPI_BEARER_PREFIX: "false" } });
    expect((await t.webhook(body, { "X-Switchboard-Token": TEST_SECRET })).status).toBe(200);
    expect((await t.webhook(body, { "X-Switchboard-Token": `${TEST_SECRET}x` })).status).toBe(401);
    expect((await t.webhook(body, { "X-Switchboard-Token": `Bearer ${TEST_SECRET}` })).status).toBe(401);
  });

  it("accepts an HMAC of the body alone with VAPI_HMAC_INCLUDE_TIMESTAMP=false, and refuses it for another body", async () => {
    const hmacSecret = "body-only-hmac-secret";
    const t = await createTestApp({
      toolsDir: fixtures,
      env: { VAPI_HMAC_SECRET: hmacSecret, VAPI_HMAC_INCLUDE_TIMESTAMP: "false", VAPI_HMAC_ENCODING: "base64", VAPI_HMAC_PREFIX: "v1=" },
    });
    const signature = `v1=${createHmac("sha256", hmacSecret).update(body).digest("base64")}`;
    expect((await t.webhook(body, { "x-signature": signature })).status).toBe(200);
    expect((await t.webhook(body.replace("in-progress", "ended"), { "x-signature": signature })).status).toBe(401);
  });
});
