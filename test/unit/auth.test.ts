// Protects credential verification as pure functions: constant-time comparison, HMAC over raw bytes, timestamp windows.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { timingSafeEqualStrings } from "../../src/lib/timing-safe.ts";
import { type AuthSettings, signHmac, verifyVapiHeaders, verifyVapiRequest } from "../../src/vapi/auth.ts";

const hmac = {
  secret: "hmac-secret",
  signatureHeader: "x-signature",
  timestampHeader: "x-timestamp",
  algorithm: "sha256",
  encoding: "hex",
  prefix: "",
  toleranceSeconds: 300,
} as const;
const settings: AuthSettings = { secret: "shared-secret-123456", hmac };
const body = new TextEncoder().encode('{"message":{"type":"status-update"}}');
const now = 1_800_000_000_000;

const req = (headers: Record<string, string>, b = body, nowMs = now) => ({ header: (n: string) => headers[n], body: b, nowMs });

describe("timingSafeEqualStrings", () => {
  it("compares exactly", () => {
    expect(timingSafeEqualStrings("abc", "abc")).toBe(true);
    expect(timingSafeEqualStrings("abc", "abd")).toBe(false);
    expect(timingSafeEqualStrings("abc", "abcd")).toBe(false);
    expect(timingSafeEqualStrings("", "")).toBe(true);
    expect(timingSafeEqualStrings("é", "e")).toBe(false);
  });
});

describe("signHmac", () => {
  it("matches an independent HMAC of '{timestamp}.{body}'", async () => {
    const expected = createHmac("sha256", "hmac-secret")
      .update(`123.${new TextDecoder().decode(body)}`)
      .digest("hex");
    expect(await signHmac(hmac, "123", body)).toBe(expected);
    const b64 = createHmac("sha512", "hmac-secret")
      .update(`123.${new TextDecoder().decode(body)}`)
      .digest("base64");
    expect(await signHmac({ ...hmac, algorithm: "sha512", encoding: "base64", prefix: "v1=" }, "123", body)).toBe(`v1=${b64}`);
  });
});

describe("verifyVapiRequest", () => {
  it("accepts each scheme with the right credential", async () => {
    expect(await verifyVapiRequest(settings, req({ "x-vapi-secret": "shared-secret-123456" }))).toEqual({ ok: true, scheme: "secret" });
    expect(await verifyVapiRequest(settings, req({ authorization: "bearer shared-secret-123456" }))).toEqual({
      ok: true,
      scheme: "bearer",
    });
    const sig = await signHmac(hmac, String(now / 1000), body);
    expect(await verifyVapiRequest(settings, req({ "x-signature": sig, "x-timestamp": String(now / 1000) }))).toEqual({
      ok: true,
      scheme: "hmac",
    });
  });

  it("accepts timestamps at the edge of the window and rejects just outside", async () => {
    const inside = String(now - 300_000);
    const outside = String(now - 300_001);
    expect((await verifyVapiRequest(settings, req({ "x-signature": await signHmac(hmac, inside, body), "x-timestamp": inside }))).ok).toBe(
      true,
    );
    expect(await verifyVapiRequest(settings, req({ "x-signature": await signHmac(hmac, outside, body), "x-timestamp": outside }))).toEqual({
      ok: false,
      reason: "stale-timestamp",
    });
  });

  it("checks the signature over the exact bytes", async () => {
    const stamp = String(now);
    const sig = await signHmac(hmac, stamp, body);
    const changed = new Uint8Array(body);
    changed[changed.length - 2] = 0x20;
    expect(await verifyVapiRequest(settings, req({ "x-signature": sig, "x-timestamp": stamp }, changed))).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });

  it("does not accept HMAC headers when HMAC is not configured", async () => {
    const stamp = String(now);
    const sig = await signHmac(hmac, stamp, body);
    expect(await verifyVapiRequest({ secret: settings.secret }, req({ "x-signature": sig, "x-timestamp": stamp }))).toEqual({
      ok: false,
      reason: "missing",
    });
  });

  it("decides on the first credential present, so a wrong secret is not rescued by another header", async () => {
    expect(await verifyVapiRequest(settings, req({ "x-vapi-secret": "nope", authorization: "Bearer shared-secret-123456" }))).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
});

describe("verifyVapiHeaders", () => {
  const headersOnly = (headers: Record<string, string>) => ({ header: (n: string) => headers[n], nowMs: now });

  it("decides the secret and bearer schemes from the headers alone", () => {
    expect(verifyVapiHeaders(settings, headersOnly({ "x-vapi-secret": "shared-secret-123456" }))).toEqual({ ok: true, scheme: "secret" });
    expect(verifyVapiHeaders(settings, headersOnly({ authorization: "Bearer nope" }))).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyVapiHeaders(settings, headersOnly({}))).toEqual({ ok: false, reason: "missing" });
  });

  it("refuses a missing or stale HMAC timestamp without the body, and asks for the body otherwise", () => {
    expect(verifyVapiHeaders(settings, headersOnly({ "x-signature": "ab" }))).toEqual({ ok: false, reason: "missing" });
    expect(verifyVapiHeaders(settings, headersOnly({ "x-signature": "ab", "x-timestamp": String(now / 1000 - 3600) }))).toEqual({
      ok: false,
      reason: "stale-timestamp",
    });
    expect(verifyVapiHeaders(settings, headersOnly({ "x-signature": "ab", "x-timestamp": String(now / 1000) }))).toBe("needs-body");
  });
});
