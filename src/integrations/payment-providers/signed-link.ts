/**
 * The default payment provider: a link to the business's own payment page carrying an
 * HMAC-signed, expiring token (invoice, amount, request id). The page verifies the token (or asks
 * us to, see `verifyPaymentToken`), takes the payment, and confirms it to
 * `POST /payments/link/confirm` signed with the same secret. Web Crypto only: runs on Workers.
 */
import { timingSafeEqualStrings } from "../../lib/timing-safe.ts";
import type { PaymentLink, PaymentLinkRequest, PaymentProvider } from "./provider.ts";

export interface PaymentToken {
  /** payment request id */
  r: string;
  /** invoice number */
  i: string;
  /** amount in minor units */
  a: number;
  /** currency */
  c: string;
  /** expiry, epoch seconds */
  e: number;
}

const encoder = new TextEncoder();

function hmacKey(secret: string) {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  // btoa pads with at most two "=", at the end.
  return btoa(binary)
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/={1,2}$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** HMAC-SHA256 of `data`, hex. */
export async function hmacHex(secret: string, data: string): Promise<string> {
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(data)));
  return Array.from(sig, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** `<payload>.<signature>`, both base64url. */
export async function signPaymentToken(secret: string, token: PaymentToken): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(token)));
  const sig = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(payload)));
  return `${payload}.${toBase64Url(sig)}`;
}

export type TokenCheck = { ok: true; token: PaymentToken } | { ok: false; reason: "malformed" | "bad-signature" | "expired" };

/** Verifies a token's signature (constant time, by Web Crypto) and, unless `ignoreExpiry`, its expiry. */
export async function verifyPaymentToken(secret: string, text: string, nowMs: number, ignoreExpiry = false): Promise<TokenCheck> {
  const [payload, signature, extra] = text.split(".");
  if (!payload || !signature || extra !== undefined) return { ok: false, reason: "malformed" };
  const sig = fromBase64Url(signature);
  const body = fromBase64Url(payload);
  if (!sig || !body) return { ok: false, reason: "malformed" };
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, encoder.encode(payload));
  if (!valid) return { ok: false, reason: "bad-signature" };
  let token: PaymentToken;
  try {
    token = JSON.parse(new TextDecoder().decode(body)) as PaymentToken;
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof token.r !== "string" || typeof token.a !== "number" || typeof token.e !== "number") return { ok: false, reason: "malformed" };
  if (!ignoreExpiry && token.e * 1000 < nowMs) return { ok: false, reason: "expired" };
  return { ok: true, token };
}

export interface SignedLinkProvider extends PaymentProvider {
  readonly name: "link";
  /** Checks a token from a link (signature, and expiry unless `ignoreExpiry`). */
  verifyToken(token: string, nowMs: number, ignoreExpiry?: boolean): Promise<TokenCheck>;
  /**
   * Checks a payment page's confirmation: `signature` is the hex HMAC-SHA256 of
   * `"{timestamp}.{raw body}"` with the link secret, `timestamp` in seconds within 5 minutes of now.
   */
  verifyConfirmation(rawBody: string, timestamp: string | undefined, signature: string | undefined, nowMs: number): Promise<boolean>;
}

const CONFIRMATION_TOLERANCE_S = 300;

export function createSignedLinkProvider(options: { pageUrl: string; secret: string }): SignedLinkProvider {
  return {
    name: "link",
    verifyToken: (token, nowMs, ignoreExpiry) => verifyPaymentToken(options.secret, token, nowMs, ignoreExpiry),
    async verifyConfirmation(rawBody, timestamp, signature, nowMs) {
      if (!timestamp || !signature || !/^\d{1,13}$/.test(timestamp)) return false;
      const ts = Number(timestamp);
      const seconds = ts > 1e11 ? Math.floor(ts / 1000) : ts;
      if (Math.abs(nowMs / 1000 - seconds) > CONFIRMATION_TOLERANCE_S) return false;
      const expected = await hmacHex(options.secret, `${timestamp}.${rawBody}`);
      return timingSafeEqualStrings(
        expected,
        signature
          .trim()
          .toLowerCase()
          .replace(/^sha256=/, ""),
      );
    },
    async createLink(request: PaymentLinkRequest): Promise<PaymentLink> {
      const token = await signPaymentToken(options.secret, {
        r: request.paymentRequestId,
        i: request.invoiceNumber,
        a: request.amountCents,
        c: request.currency,
        e: Math.floor(request.expiresAt.getTime() / 1000),
      });
      const url = new URL(options.pageUrl);
      url.searchParams.set("token", token);
      return { url: url.toString() };
    },
  };
}
