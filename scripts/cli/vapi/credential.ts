/**
 * The Vapi webhook credential Switchboard asks Vapi to present, built from the same settings
 * verification uses (src/vapi/auth.ts), so both sides agree by construction: a Bearer credential
 * holding the shared secret, or an HMAC credential signing with VAPI_HMAC_SECRET.
 */
import type { Config } from "../../../src/config.ts";

export type AuthenticationPlan =
  | { type: "bearer"; token: string; headerName: string; bearerPrefixEnabled: boolean }
  | {
      type: "hmac";
      secretKey: string;
      algorithm: "sha256" | "sha512" | "sha1";
      signatureHeader: string;
      timestampHeader?: string;
      signaturePrefix?: string;
      includeTimestamp: boolean;
      payloadFormat: string;
      signatureEncoding: "hex" | "base64";
    };

/** The body of `POST /credential` (Vapi's CreateWebhookCredentialDTO). */
export interface WebhookCredentialBody {
  provider: "webhook";
  name: string;
  authenticationPlan: AuthenticationPlan;
}

/** Plan fields Vapi never returns: they cannot be compared, only sent again. */
export const SECRET_PLAN_FIELDS = ["token", "secretKey"] as const;

/** Vapi allows 40 characters; the host tells several deployments in one organization apart. */
export function credentialName(webhookUrl: string): string {
  return `Switchboard ${new URL(webhookUrl).host}`.slice(0, 40);
}

/** The credential for this configuration; `secret` is the resolved shared secret (VAPI_SECRET). */
export function desiredCredential(config: Config, secret: string, webhookUrl: string): WebhookCredentialBody {
  const name = credentialName(webhookUrl);
  if (config.VAPI_CREDENTIAL_TYPE === "hmac") {
    // Checked by the config (VAPI_HMAC_SECRET is required with VAPI_CREDENTIAL_TYPE=hmac).
    const secretKey = config.VAPI_HMAC_SECRET ?? "";
    const withStamp = config.VAPI_HMAC_INCLUDE_TIMESTAMP;
    return {
      provider: "webhook",
      name,
      authenticationPlan: {
        type: "hmac",
        secretKey,
        algorithm: config.VAPI_HMAC_ALGORITHM,
        signatureHeader: config.VAPI_HMAC_SIGNATURE_HEADER,
        ...(withStamp ? { timestampHeader: config.VAPI_HMAC_TIMESTAMP_HEADER } : {}),
        ...(config.VAPI_HMAC_PREFIX ? { signaturePrefix: config.VAPI_HMAC_PREFIX } : {}),
        includeTimestamp: withStamp,
        // Stated rather than left to Vapi's default, so the signed payload is what auth.ts checks.
        payloadFormat: withStamp ? "{timestamp}.{body}" : "{body}",
        signatureEncoding: config.VAPI_HMAC_ENCODING,
      },
    };
  }
  return {
    provider: "webhook",
    name,
    authenticationPlan: {
      type: "bearer",
      token: secret,
      headerName: config.VAPI_BEARER_HEADER,
      bearerPrefixEnabled: config.VAPI_BEARER_PREFIX,
    },
  };
}

/** The same credential with its secret replaced, for printing. */
export function withoutSecrets<T>(value: T, secrets: readonly string[]): T {
  const hidden = secrets.filter((s) => s.length > 0);
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" && hidden.some((s) => v.includes(s)) ? mask(v, hidden) : v)),
  ) as T;
}

function mask(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const s of secrets) out = out.split(s).join(`<secret, ${s.length} characters, masked>`);
  return out;
}
