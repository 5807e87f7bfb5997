// Protects the `server` object of everything Switchboard configures in Vapi: the credential by id (the secret only in the explicit header form), and a retry plan per kind of server that Vapi's published Server/BackoffPlan accepts and that fits the time the waiting side has.
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import {
  ASSISTANT_REQUEST_LIMIT_SECONDS,
  type BackoffPlan,
  backoffPlanFor,
  NOT_RETRIED_STATUS_CODES,
  retriesWithin,
  type ServerRole,
  type ServerTarget,
  serverAuthFor,
  serverFor,
  TOOL_RETRY_WINDOW_SECONDS,
} from "../../src/vapi/server-target.ts";
import { vapiValidator } from "../support/vapi-schema.ts";

const url = "https://sb.example.com/vapi/webhook";
const byId: ServerTarget = { url, auth: { kind: "credential", credentialId: "cred-1" } };
const roles: ServerRole[] = [
  { kind: "tool", budgetMs: 200 },
  { kind: "tool", budgetMs: 5_000 },
  { kind: "assistant" },
  { kind: "phone-number" },
];

/** The longest Vapi can spend on one request under a plan: every attempt times out, fixed delays. */
const worstCaseSeconds = (timeout: number, plan: BackoffPlan) => (plan.maxRetries + 1) * timeout + plan.maxRetries * plan.baseDelaySeconds;

beforeAll(() => {
  vapiValidator().validate("Server", {});
}, 60_000);

describe("serverFor", () => {
  it("validates against Vapi's published Server (and BackoffPlan) for every role and auth form", () => {
    const targets: ServerTarget[] = [byId, { url, auth: { kind: "header", secret: "s".repeat(20) } }, { url, auth: { kind: "none" } }];
    for (const target of targets) {
      for (const role of roles) expect(vapiValidator().validate("Server", serverFor(target, role)).errors).toEqual([]);
    }
  });

  it("references the credential by id and carries no secret, unless the header form is chosen", () => {
    const secret = "the-shared-secret-value";
    expect(serverFor(byId, { kind: "assistant" })).toMatchObject({ url, credentialId: "cred-1" });
    expect(JSON.stringify(serverFor(byId, { kind: "assistant" }))).not.toContain(secret);
    expect(serverFor({ url, auth: { kind: "header", secret } }, { kind: "phone-number" })).toMatchObject({
      headers: { "x-vapi-secret": secret },
    });
    const none = serverFor({ url, auth: { kind: "none" } }, { kind: "tool", budgetMs: 200 }) as Record<string, unknown>;
    expect(none).not.toHaveProperty("headers");
    expect(none).not.toHaveProperty("credentialId");
  });

  it("chooses the form from the configuration: credential by default, header only when asked", () => {
    const secret = "s".repeat(20);
    expect(serverAuthFor(parseConfig({}), secret)).toEqual({ kind: "none" });
    expect(serverAuthFor(parseConfig({ VAPI_CREDENTIAL_ID: "cred-9" }), secret)).toEqual({ kind: "credential", credentialId: "cred-9" });
    expect(serverAuthFor(parseConfig({ VAPI_SERVER_AUTH: "header", VAPI_CREDENTIAL_ID: "cred-9" }), secret)).toEqual({
      kind: "header",
      secret,
    });
    expect(() => parseConfig({ VAPI_SERVER_AUTH: "secret" })).toThrow(/VAPI_SERVER_AUTH/);
  });
});

describe("retry plans", () => {
  it("never retry what a retry cannot fix: 400, 401, 413, 404, 422 and the like", () => {
    for (const role of roles) {
      const plan = backoffPlanFor(role);
      expect(plan.excludedStatusCodes).toEqual(expect.arrayContaining([400, 401, 403, 404, 405, 413, 422]));
      // 429 and every 5xx stay retried: a restart, a proxy, an end-of-call report not stored yet (503).
      expect(plan.excludedStatusCodes.some((code) => code === 429 || code >= 500)).toBe(false);
    }
    expect([...NOT_RETRIED_STATUS_CODES]).toEqual([400, 401, 403, 404, 405, 413, 422]);
  });

  it("retry a tool only while the caller is still waiting for it", () => {
    const quick = serverFor(byId, { kind: "tool", budgetMs: 200 }) as unknown as { timeoutSeconds: number; backoffPlan: BackoffPlan };
    expect(quick.backoffPlan).toMatchObject({ type: "fixed", maxRetries: 1 });
    expect(worstCaseSeconds(quick.timeoutSeconds, quick.backoffPlan)).toBeLessThanOrEqual(TOOL_RETRY_WINDOW_SECONDS);
    const booking = serverFor(byId, { kind: "tool", budgetMs: 1_500 }) as unknown as { timeoutSeconds: number; backoffPlan: BackoffPlan };
    expect(booking.backoffPlan.maxRetries).toBe(1);
    expect(worstCaseSeconds(booking.timeoutSeconds, booking.backoffPlan)).toBeLessThanOrEqual(TOOL_RETRY_WINDOW_SECONDS);
    // A tool whose own timeout leaves no room for a second attempt would be answered after the caller gave up.
    const slow = serverFor(byId, { kind: "tool", budgetMs: 5_000 }) as unknown as { backoffPlan: BackoffPlan };
    expect(slow.backoffPlan.maxRetries).toBe(0);
  });

  it("retry assistant-request only within Vapi's 7.5 s limit", () => {
    const phone = serverFor(byId, { kind: "phone-number" }) as unknown as { timeoutSeconds: number; backoffPlan: BackoffPlan };
    expect(phone.backoffPlan.maxRetries).toBeGreaterThanOrEqual(1);
    expect(worstCaseSeconds(phone.timeoutSeconds, phone.backoffPlan)).toBeLessThanOrEqual(ASSISTANT_REQUEST_LIMIT_SECONDS);
  });

  it("retry the assistant's server patiently: it carries the end-of-call report", () => {
    const plan = backoffPlanFor({ kind: "assistant" });
    expect(plan).toMatchObject({ type: "exponential", maxRetries: 8, baseDelaySeconds: 1 });
    // Doubling from 1 s: minutes of retries, enough to ride out a restart.
    const delays = Array.from({ length: plan.maxRetries }, (_, i) => plan.baseDelaySeconds * 2 ** i);
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(120);
  });

  it("count retries that fit a window, within Vapi's 0..10", () => {
    expect(retriesWithin(6, 2, 1)).toBe(1);
    expect(retriesWithin(7.5, 3, 1)).toBe(1);
    expect(retriesWithin(6, 7, 1)).toBe(0);
    expect(retriesWithin(1000, 1, 0)).toBe(10);
  });
});
