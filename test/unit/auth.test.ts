// Protects credential verification as pure functions: constant-time comparison, HMAC over raw bytes, timestamp windows, and every form Vapi's Bearer and HMAC credential plans can send.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { timingSafeEqualStrings } from "../../src/lib/timing-safe.ts";
import { type AuthSettings, authSettings, type HmacSettings, signHmac, verifyVapiHeaders, verifyVapiRequest } from "../../src/vapi/auth.ts";

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

const SECRET = "shared-secret-123456";
const ok = (scheme: string) => ({ ok: true, scheme });
const no = (reason: string) => ({ ok: false, reason });

describe("Bearer credential plans (headerName, bearerPrefixEnabled)", () => {
  const withBearer = (headerName: string, prefix: boolean): AuthSettings => ({ secret: SECRET, bearer: { headerName, prefix } });

  it("Authorization with the prefix (Vapi's default plan)", async () => {
    const s = withBearer("authorization", true);
    expect(await verifyVapiRequest(s, req({ authorization: `Bearer ${SECRET}` }))).toEqual(ok("bearer"));
    expect(await verifyVapiRequest(s, req({ authorization: SECRET }))).toEqual(no("malformed"));
    expect(await verifyVapiRequest(s, req({ authorization: "Bearer nope" }))).toEqual(no("mismatch"));
  });

  it("Authorization without the prefix: the bare token, and still Bearer", async () => {
    const s = withBearer("authorization", false);
    expect(await verifyVapiRequest(s, req({ authorization: SECRET }))).toEqual(ok("bearer"));
    expect(await verifyVapiRequest(s, req({ authorization: `Bearer ${SECRET}` }))).toEqual(ok("bearer"));
    expect(await verifyVapiRequest(s, req({ authorization: `${SECRET}x` }))).toEqual(no("mismatch"));
  });

  it("a custom header with the prefix", async () => {
    const s = withBearer("x-switchboard-token", true);
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": `Bearer ${SECRET}` }))).toEqual(ok("bearer"));
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": SECRET }))).toEqual(no("malformed"));
  });

  it("a custom header without the prefix", async () => {
    const s = withBearer("x-switchboard-token", false);
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": SECRET }))).toEqual(ok("bearer"));
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": "wrong-secret-1234567" }))).toEqual(no("mismatch"));
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": "" }))).toEqual(no("malformed"));
    // The default header keeps working (a /metrics scraper, a phone number set up by hand).
    expect(await verifyVapiRequest(s, req({ authorization: `Bearer ${SECRET}` }))).toEqual(ok("bearer"));
  });

  it("X-Vapi-Secret as a Bearer credential's header (Vapi's migration path from the inline secret), with and without the prefix", async () => {
    expect(await verifyVapiRequest(withBearer("x-vapi-secret", false), req({ "x-vapi-secret": SECRET }))).toEqual(ok("secret"));
    const prefixed = withBearer("x-vapi-secret", true);
    expect(await verifyVapiRequest(prefixed, req({ "x-vapi-secret": `Bearer ${SECRET}` }))).toEqual(ok("secret"));
    expect(await verifyVapiRequest(prefixed, req({ "x-vapi-secret": SECRET }))).toEqual(no("malformed"));
  });

  it("a wrong custom-header token is not rescued by a right Authorization header", async () => {
    const s = withBearer("x-switchboard-token", false);
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": "nope", authorization: `Bearer ${SECRET}` }))).toEqual(no("mismatch"));
  });

  it("reads the header name and form from the configuration, case-insensitively", async () => {
    const config = parseConfig({ VAPI_SECRET: SECRET, VAPI_BEARER_HEADER: "X-Switchboard-Token", VAPI_BEARER_PREFIX: "false" });
    const s = authSettings(config, SECRET);
    expect(s.bearer).toEqual({ headerName: "x-switchboard-token", prefix: false });
    expect(await verifyVapiRequest(s, req({ "x-switchboard-token": SECRET }))).toEqual(ok("bearer"));
    expect(() => parseConfig({ VAPI_BEARER_HEADER: "Bad Header:" })).toThrow(/VAPI_BEARER_HEADER/);
  });
});

describe("HMAC credential plans (algorithm, signatureEncoding, signaturePrefix, includeTimestamp)", () => {
  const base: HmacSettings = { ...hmac, toleranceSeconds: 300 };
  const text = new TextDecoder().decode(body);
  /** What Vapi sends for a plan, computed independently of auth.ts. */
  const vapiSigns = (plan: HmacSettings, stamp: string) =>
    plan.prefix +
    createHmac(plan.algorithm, plan.secret)
      .update(plan.includeTimestamp === false ? text : `${stamp}.${text}`)
      .digest(plan.encoding);

  const plans: [string, Partial<HmacSettings>][] = [
    ["sha256, hex (the default plan)", {}],
    ["sha512, base64", { algorithm: "sha512", encoding: "base64" }],
    ["sha1, hex, GitHub-style prefix", { algorithm: "sha1", prefix: "sha1=" }],
    ["sha256, base64, prefix v1=", { encoding: "base64", prefix: "v1=" }],
    ["body only (includeTimestamp: false)", { includeTimestamp: false }],
    ["body only, sha512, base64, prefix", { includeTimestamp: false, algorithm: "sha512", encoding: "base64", prefix: "sha512=" }],
    ["custom header names", { signatureHeader: "x-vapi-signature", timestampHeader: "x-vapi-timestamp" }],
  ];

  for (const [label, options] of plans) {
    it(`accepts ${label}, refuses a tampered body`, async () => {
      const plan = { ...base, ...options };
      const s: AuthSettings = { secret: SECRET, hmac: plan };
      const stamp = String(now / 1000);
      const headers = {
        [plan.signatureHeader]: vapiSigns(plan, stamp),
        ...(plan.includeTimestamp === false ? {} : { [plan.timestampHeader]: stamp }),
      };
      expect(await verifyVapiRequest(s, req(headers))).toEqual(ok("hmac"));
      const tampered = new TextEncoder().encode(text.replace("status-update", "status-updatE"));
      expect(await verifyVapiRequest(s, req(headers, tampered))).toEqual(no("mismatch"));
    });
  }

  it("body-only signing needs no timestamp, and a timestamped signature does not pass as body-only (nor the reverse)", async () => {
    const bodyOnly = { ...base, includeTimestamp: false };
    const stamp = String(now);
    expect(await verifyVapiRequest({ secret: SECRET, hmac: bodyOnly }, req({ "x-signature": vapiSigns(bodyOnly, stamp) }))).toEqual(
      ok("hmac"),
    );
    const timestamped = vapiSigns(base, stamp);
    expect(await verifyVapiRequest({ secret: SECRET, hmac: bodyOnly }, req({ "x-signature": timestamped, "x-timestamp": stamp }))).toEqual(
      no("mismatch"),
    );
    expect(
      await verifyVapiRequest({ secret: SECRET, hmac: base }, req({ "x-signature": vapiSigns(bodyOnly, stamp), "x-timestamp": stamp })),
    ).toEqual(no("mismatch"));
    // With the timestamp in the plan, a signature without one is incomplete.
    expect(await verifyVapiRequest({ secret: SECRET, hmac: base }, req({ "x-signature": timestamped }))).toEqual(no("missing"));
  });

  it("requires the configured prefix, and reads hex digits in either case", async () => {
    const prefixed = { ...base, prefix: "sha256=" };
    const stamp = String(now);
    const signature = vapiSigns(prefixed, stamp);
    const s: AuthSettings = { secret: SECRET, hmac: prefixed };
    expect(await verifyVapiRequest(s, req({ "x-signature": signature.slice("sha256=".length), "x-timestamp": stamp }))).toEqual(
      no("malformed"),
    );
    expect(await verifyVapiRequest(s, req({ "x-signature": `sha256=${signature.slice(7).toUpperCase()}`, "x-timestamp": stamp }))).toEqual(
      ok("hmac"),
    );
  });

  it("takes includeTimestamp from VAPI_HMAC_INCLUDE_TIMESTAMP", () => {
    const config = parseConfig({ VAPI_SECRET: SECRET, VAPI_HMAC_SECRET: "h", VAPI_HMAC_INCLUDE_TIMESTAMP: "false" });
    expect(authSettings(config, SECRET).hmac?.includeTimestamp).toBe(false);
    expect(authSettings(parseConfig({ VAPI_HMAC_SECRET: "h" }), SECRET).hmac?.includeTimestamp).toBe(true);
    expect(() => parseConfig({ VAPI_HMAC_INCLUDE_TIMESTAMP: "maybe" })).toThrow(/VAPI_HMAC_INCLUDE_TIMESTAMP: must be true or false/);
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
