/**
 * Verification of Vapi's credentials as pure functions over the raw request: the shared secret
 * (`x-vapi-secret`), a bearer token (what a Vapi Bearer credential sends: `Authorization: Bearer`,
 * or a custom header, with or without the prefix), and HMAC signatures over the raw body bytes
 * (what a Vapi HMAC credential sends: `{timestamp}.{body}` or the body alone, hex or base64, with
 * an optional prefix). Fail closed: anything not positively verified is rejected. All comparisons
 * are constant-time.
 */
import type { Config } from "../config.ts";
import { matchesSecret, timingSafeEqualStrings } from "../lib/timing-safe.ts";

export interface HmacSettings {
  secret: string;
  signatureHeader: string;
  timestampHeader: string;
  algorithm: "sha256" | "sha512" | "sha1";
  encoding: "hex" | "base64";
  /** Text before the signature in its header, such as `sha256=`. */
  prefix: string;
  /** How far the signed timestamp may be from now, either way. */
  toleranceSeconds: number;
  /**
   * Whether the signed payload is `"{timestamp}.{body}"` (default, Vapi's `includeTimestamp:
   * true`) or the raw body alone (`false`: no timestamp is needed, and none protects against a
   * replay).
   */
  includeTimestamp?: boolean;
}

/** Where a Vapi Bearer credential puts the shared secret (its `headerName` and `bearerPrefixEnabled`). */
export interface BearerSettings {
  /** Lower-case header name, e.g. `authorization` or `x-switchboard-token`. */
  headerName: string;
  /** Whether the value is `Bearer <secret>` (true) or the secret alone (false). */
  prefix: boolean;
}

export interface AuthSettings {
  /** Accepted as `x-vapi-secret`, as `Authorization: Bearer` and in the bearer header below. Never empty. */
  secret: string;
  /** A bearer credential's own header and form; absent means `Authorization: Bearer` only. */
  bearer?: BearerSettings;
  hmac?: HmacSettings;
}

/** Outcome of a check. Only `ok` lets the request through; every other kind maps to HTTP 401. */
export type AuthOutcome =
  | { ok: true; scheme: "secret" | "bearer" | "hmac" }
  | { ok: false; reason: "missing" | "mismatch" | "stale-timestamp" | "malformed" };

const encoder = new TextEncoder();

const algorithms = { sha256: "SHA-256", sha512: "SHA-512", sha1: "SHA-1" } as const;
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
const keyCache = new Map<string, Promise<HmacKey>>();

async function hmacKey(secret: string, algorithm: HmacSettings["algorithm"]): Promise<HmacKey> {
  // Importing a key costs more than signing a small body; the key depends only on config.
  // (A per-isolate cache of derived key material: no I/O object, safe on Workers.)
  const id = `${algorithm}:${secret}`;
  let key = keyCache.get(id);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: algorithms[algorithm] }, false, ["sign"]);
    keyCache.set(id, key);
  }
  return key;
}

function encode(bytes: ArrayBuffer, encoding: HmacSettings["encoding"]): string {
  const view = new Uint8Array(bytes);
  if (encoding === "hex") return Array.from(view, (b) => b.toString(16).padStart(2, "0")).join("");
  let binary = "";
  for (const b of view) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * Signs `"{timestamp}.{body}"` (or the body alone when `includeTimestamp` is false) as Vapi
 * does. Exposed for tests and the call simulator.
 */
export async function signHmac(
  settings: Pick<HmacSettings, "secret" | "algorithm" | "encoding" | "prefix" | "includeTimestamp">,
  timestamp: string,
  body: Uint8Array,
): Promise<string> {
  let payload = body;
  if (settings.includeTimestamp !== false) {
    const head = encoder.encode(`${timestamp}.`);
    payload = new Uint8Array(head.length + body.length);
    payload.set(head, 0);
    payload.set(body, head.length);
  }
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(settings.secret, settings.algorithm), payload);
  return settings.prefix + encode(mac, settings.encoding);
}

/** Reads a timestamp header in seconds or milliseconds; undefined when it is not a number. */
function timestampMs(raw: string): number | undefined {
  if (!/^\d{1,16}(\.\d+)?$/.test(raw.trim())) return undefined;
  const n = Number(raw);
  return n < 1e11 ? n * 1000 : n;
}

export interface AuthRequest {
  header(name: string): string | undefined;
  body: Uint8Array;
  nowMs: number;
}

const BEARER = /^Bearer\s+(\S.*)$/i;

/**
 * The outcome decided by the shared-secret headers alone (`x-vapi-secret`, the bearer header,
 * `Authorization`), in that order; undefined when none of them is present, so an HMAC signature
 * (which needs the body) or nothing decides. Cheap: usable before the body is read.
 */
export function verifySecretHeaders(settings: AuthSettings, header: (name: string) => string | undefined): AuthOutcome | undefined {
  const custom = settings.bearer;
  const plain = header("x-vapi-secret");
  if (plain !== undefined) {
    // A Bearer credential may name x-vapi-secret as its header (Vapi's migration path from the
    // inline secret); with the prefix on, the value then reads "Bearer <secret>".
    const token = custom?.headerName === "x-vapi-secret" && custom.prefix ? BEARER.exec(plain.trim())?.[1] : plain;
    if (token === undefined) return { ok: false, reason: "malformed" };
    return matchesSecret(token, settings.secret) ? { ok: true, scheme: "secret" } : { ok: false, reason: "mismatch" };
  }
  if (custom && custom.headerName !== "authorization" && custom.headerName !== "x-vapi-secret") {
    const value = header(custom.headerName);
    if (value !== undefined) return bearerOutcome(settings.secret, value, custom.prefix);
  }
  const authorization = header("authorization");
  if (authorization !== undefined) {
    // `Bearer <secret>` always works (the default credential, /metrics scrapers); the bare secret
    // only when a credential is configured to send it that way.
    const bare = custom?.headerName === "authorization" && !custom.prefix;
    return bearerOutcome(settings.secret, authorization, !bare || BEARER.test(authorization.trim()));
  }
  return undefined;
}

function bearerOutcome(secret: string, value: string, prefix: boolean): AuthOutcome {
  const token = prefix ? BEARER.exec(value.trim())?.[1] : value.trim();
  if (token === undefined || token === "") return { ok: false, reason: "malformed" };
  return matchesSecret(token, secret) ? { ok: true, scheme: "bearer" } : { ok: false, reason: "mismatch" };
}

/**
 * The part of `verifyVapiRequest` that needs no body: the secret and bearer schemes are decided
 * here, and an HMAC request with a missing or stale timestamp is refused. `"needs-body"` means
 * only the signature over the body can decide: read the body (bounded), then call
 * `verifyVapiRequest`. Lets the webhook refuse most bad requests before reading any body.
 */
export function verifyVapiHeaders(settings: AuthSettings, req: Omit<AuthRequest, "body">): AuthOutcome | "needs-body" {
  const byHeaders = verifySecretHeaders(settings, (n) => req.header(n));
  if (byHeaders) return byHeaders;
  const hmac = settings.hmac;
  if (hmac && req.header(hmac.signatureHeader) !== undefined) {
    if (hmac.includeTimestamp !== false) {
      const raw = req.header(hmac.timestampHeader);
      if (raw === undefined) return { ok: false, reason: "missing" };
      const at = timestampMs(raw);
      if (at === undefined) return { ok: false, reason: "malformed" };
      if (Math.abs(req.nowMs - at) > hmac.toleranceSeconds * 1000) return { ok: false, reason: "stale-timestamp" };
    }
    return "needs-body";
  }
  return { ok: false, reason: "missing" };
}

/** Verifies a request against every configured scheme; the first that is present decides. */
export async function verifyVapiRequest(settings: AuthSettings, req: AuthRequest): Promise<AuthOutcome> {
  const byHeaders = verifySecretHeaders(settings, (n) => req.header(n));
  if (byHeaders) return byHeaders;
  const hmac = settings.hmac;
  const signature = hmac ? req.header(hmac.signatureHeader) : undefined;
  if (hmac && signature !== undefined) {
    let stamp = "";
    if (hmac.includeTimestamp !== false) {
      const raw = req.header(hmac.timestampHeader);
      if (raw === undefined) return { ok: false, reason: "missing" };
      const at = timestampMs(raw);
      if (at === undefined) return { ok: false, reason: "malformed" };
      if (Math.abs(req.nowMs - at) > hmac.toleranceSeconds * 1000) return { ok: false, reason: "stale-timestamp" };
      stamp = raw.trim();
    }
    const presented = signature.trim();
    if (!presented.startsWith(hmac.prefix)) return { ok: false, reason: "malformed" };
    const expected = await signHmac({ ...hmac, prefix: "" }, stamp, req.body);
    // Hex digits compare case-insensitively (the bytes are the same); base64 is case-sensitive.
    const core = presented.slice(hmac.prefix.length);
    return timingSafeEqualStrings(hmac.encoding === "hex" ? core.toLowerCase() : core, expected)
      ? { ok: true, scheme: "hmac" }
      : { ok: false, reason: "mismatch" };
  }
  return { ok: false, reason: "missing" };
}

/**
 * The auth settings for a resolved secret: the shared secret (x-vapi-secret, `Authorization:
 * Bearer`, and the configured bearer header and form) always, HMAC when configured.
 */
export function authSettings(config: Config, secret: string): AuthSettings {
  return {
    secret,
    bearer: { headerName: config.VAPI_BEARER_HEADER.toLowerCase(), prefix: config.VAPI_BEARER_PREFIX },
    ...(config.VAPI_HMAC_SECRET
      ? {
          hmac: {
            secret: config.VAPI_HMAC_SECRET,
            signatureHeader: config.VAPI_HMAC_SIGNATURE_HEADER.toLowerCase(),
            timestampHeader: config.VAPI_HMAC_TIMESTAMP_HEADER.toLowerCase(),
            algorithm: config.VAPI_HMAC_ALGORITHM,
            encoding: config.VAPI_HMAC_ENCODING,
            prefix: config.VAPI_HMAC_PREFIX,
            toleranceSeconds: config.VAPI_HMAC_TOLERANCE_SECONDS,
            includeTimestamp: config.VAPI_HMAC_INCLUDE_TIMESTAMP,
          },
        }
      : {}),
  };
}
