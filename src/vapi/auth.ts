/**
 * Verification of Vapi's credentials as pure functions over the raw request: the shared secret
 * (`x-vapi-secret`), a bearer token, and HMAC signatures over the raw body bytes. Fail closed:
 * anything not positively verified is rejected. All comparisons are constant-time.
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
}

export interface AuthSettings {
  /** Accepted as `x-vapi-secret` and as `Authorization: Bearer`. Never empty. */
  secret: string;
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

/** Signs `"{timestamp}.{body}"` as Vapi does. Exposed for tests and the call simulator. */
export async function signHmac(
  settings: Pick<HmacSettings, "secret" | "algorithm" | "encoding" | "prefix">,
  timestamp: string,
  body: Uint8Array,
): Promise<string> {
  const head = encoder.encode(`${timestamp}.`);
  const payload = new Uint8Array(head.length + body.length);
  payload.set(head, 0);
  payload.set(body, head.length);
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

/**
 * The part of `verifyVapiRequest` that needs no body: the secret and bearer schemes are decided
 * here, and an HMAC request with a missing or stale timestamp is refused. `"needs-body"` means
 * only the signature over the body can decide: read the body (bounded), then call
 * `verifyVapiRequest`. Lets the webhook refuse most bad requests before reading any body.
 */
export function verifyVapiHeaders(settings: AuthSettings, req: Omit<AuthRequest, "body">): AuthOutcome | "needs-body" {
  const plain = req.header("x-vapi-secret");
  if (plain !== undefined) {
    return matchesSecret(plain, settings.secret) ? { ok: true, scheme: "secret" } : { ok: false, reason: "mismatch" };
  }
  const authorization = req.header("authorization");
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) return { ok: false, reason: "malformed" };
    return matchesSecret(match[1]!, settings.secret) ? { ok: true, scheme: "bearer" } : { ok: false, reason: "mismatch" };
  }
  const hmac = settings.hmac;
  if (hmac && req.header(hmac.signatureHeader) !== undefined) {
    const stamp = req.header(hmac.timestampHeader);
    if (stamp === undefined) return { ok: false, reason: "missing" };
    const at = timestampMs(stamp);
    if (at === undefined) return { ok: false, reason: "malformed" };
    if (Math.abs(req.nowMs - at) > hmac.toleranceSeconds * 1000) return { ok: false, reason: "stale-timestamp" };
    return "needs-body";
  }
  return { ok: false, reason: "missing" };
}

/** Verifies a request against every configured scheme; the first that is present decides. */
export async function verifyVapiRequest(settings: AuthSettings, req: AuthRequest): Promise<AuthOutcome> {
  const early = verifyVapiHeaders(settings, req);
  if (early !== "needs-body") return early;
  const hmac = settings.hmac!;
  const signature = req.header(hmac.signatureHeader)!;
  const expected = await signHmac(hmac, req.header(hmac.timestampHeader)!.trim(), req.body);
  return timingSafeEqualStrings(signature.trim(), expected) ? { ok: true, scheme: "hmac" } : { ok: false, reason: "mismatch" };
}

/** The auth settings for a resolved secret: shared secret and bearer always, HMAC when configured. */
export function authSettings(config: Config, secret: string): AuthSettings {
  return {
    secret,
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
          },
        }
      : {}),
  };
}
