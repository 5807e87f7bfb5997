import { z } from "zod";

/** Environment variables Switchboard reads. Nothing else in the codebase touches `process.env`. */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +15551234567");
const destination = z.union([e164, z.string().regex(/^sips?:.+@.+/, "must be E.164 or a sip: URI")]);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

/** A true/false switch: "true"/"1" or "false"/"0". */
const flag = (def: boolean) =>
  z
    .enum(["true", "false", "1", "0"], { message: "must be true or false" })
    .default(def ? "true" : "false")
    .transform((v) => v === "true" || v === "1");

export const configSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: z.string().default("0.0.0.0"),
  PUBLIC_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  DATABASE_URL: optionalString.pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATABASE_POOL_MAX: intFrom(10, 1, 200),
  DATA_DIR: z.string().default(".data"),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_KEY_PREFIX: z.string().default("sb:"),
  REDIS_COMMAND_TIMEOUT_MS: intFrom(50, 1, 10_000),
  REDIS_CONNECT_TIMEOUT_MS: intFrom(500, 10, 30_000),
  MEMORY_CACHE_MAX_ENTRIES: intFrom(50_000, 100, 10_000_000),
  CACHE_MIRROR_MAX_ENTRIES: intFrom(10_000, 0, 1_000_000),
  VAPI_SECRET: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VAPI_CREDENTIAL_ID: optionalString,
  VAPI_HMAC_SECRET: optionalString,
  VAPI_HMAC_SIGNATURE_HEADER: z.string().default("x-signature"),
  VAPI_HMAC_TIMESTAMP_HEADER: z.string().default("x-timestamp"),
  VAPI_HMAC_ALGORITHM: z.enum(["sha256", "sha512", "sha1"]).default("sha256"),
  VAPI_HMAC_ENCODING: z.enum(["hex", "base64"]).default("hex"),
  VAPI_HMAC_PREFIX: z.string().default(""),
  VAPI_HMAC_TOLERANCE_SECONDS: intFrom(300, 1, 86_400),
  VAPI_HMAC_INCLUDE_TIMESTAMP: flag(true).describe(
    'Whether the HMAC signature covers "{timestamp}.{body}" (true) or the raw body alone (false, Vapi\'s includeTimestamp: false; no replay window then). Used by verification and by the credential `npm run vapi -- apply` creates.',
  ),
  VAPI_SERVER_AUTH: z
    .enum(["credential", "header"])
    .default("credential")
    .describe(
      "How Vapi authenticates to this server in everything Switchboard configures (tools, assistants, the phone number): `credential` references a Vapi credential by id (VAPI_CREDENTIAL_ID, or the one `npm run vapi -- apply` creates); `header` puts the secret itself into each server's `headers` as x-vapi-secret (legacy; the secret then travels inside Vapi payloads).",
    ),
  VAPI_CREDENTIAL_TYPE: z
    .enum(["bearer", "hmac"])
    .default("bearer")
    .describe(
      "The kind of Vapi credential `npm run vapi -- apply` creates or updates: `bearer` sends the shared secret (VAPI_SECRET) in VAPI_BEARER_HEADER; `hmac` signs each request with VAPI_HMAC_SECRET using the VAPI_HMAC_* settings.",
    ),
  VAPI_BEARER_HEADER: z
    .string()
    .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name such as Authorization or X-Switchboard-Token")
    .default("Authorization")
    .describe("The header a bearer credential sends its token in (Vapi's headerName); also accepted by verification."),
  VAPI_BEARER_PREFIX: flag(true).describe(
    "Whether a bearer credential's header value starts with \"Bearer \" (Vapi's bearerPrefixEnabled); verification expects the same form in VAPI_BEARER_HEADER.",
  ),
  MAX_BODY_BYTES: intFrom(8 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  MAX_TOOL_CALLS_PER_MESSAGE: intFrom(16, 1, 1000),
  MAX_RESULT_CHARS: intFrom(4000, 100, 100_000),
  SIDE_EFFECT_LIMIT_PER_MINUTE: intFrom(10, 0, 10_000),
  TOOL_BUDGET_MS: intFrom(200, 10, 60_000),
  BUSINESS_NAME: z.string().default("Switchboard Demo Co."),
  BUSINESS_TIMEZONE: z.string().default("America/New_York").refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin"),
  TRANSFER_NUMBER: optionalString.pipe(destination.optional()),
  TRANSFER_MESSAGE: z.string().default("Let me connect you with a member of our team. One moment please."),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()),
  OTEL_SERVICE_NAME: z.string().default("switchboard"),
  WARM_UP: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1"),
  ASSISTANT_PRESET: optionalString.pipe(z.enum(["scheduling", "dispatch", "support"]).optional()),
  VAPI_ASSISTANT_ID: optionalString,
  PERSONALIZATION_BUDGET_MS: intFrom(35, 1, 5_000),
  SCREENING_BUDGET_MS: intFrom(250, 1, 5_000).describe(
    "How long assistant-request waits for screening's lookups (the blocklist, the rate-limit counter) before letting the call through unscreened: a screening outage must not turn callers away. Warm, they take about a millisecond.",
  ),
  CALLER_PROFILE_TTL_SECONDS: intFrom(300, 1, 86_400),
  CALL_STATE_TTL_SECONDS: intFrom(7_200, 60, 7 * 86_400),
  TOOL_FAILURES_BEFORE_HANDOFF: intFrom(2, 1, 100),
  TRANSCRIPT_RETENTION_DAYS: intFrom(30, 0, 36_500),
  VAPI_API_KEY: optionalString,
  VAPI_API_URL: z.url({ protocol: /^https?$/ }).default("https://api.vapi.ai"),
  VAPI_PHONE_NUMBER_ID: optionalString,
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  API_TOKEN: optionalString.pipe(z.string().min(24, "must be at least 24 characters").optional()),
  DEMO_DATA: z.enum(["auto", "on", "off"]).default("auto"),
  ALLOW_EMBEDDED_DATABASE: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  PAYMENT_PROVIDER: z.enum(["link", "stripe"]).default("link"),
  PAYMENT_PAGE_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  PAYMENT_LINK_SECRET: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  PAYMENT_LINK_TTL_MINUTES: intFrom(24 * 60, 30, 24 * 60),
  STRIPE_SECRET_KEY: optionalString,
  STRIPE_WEBHOOK_SECRET: optionalString,
  STRIPE_SUCCESS_URL: optionalString.pipe(z.url({ protocol: /^https?$/ }).optional()),
  TWILIO_ACCOUNT_SID: optionalString,
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_FROM: optionalString.pipe(
    z.union([e164, z.string().regex(/^MG[0-9a-f]{32}$/i, "must be E.164 or a Messaging Service SID")]).optional(),
  ),
});

/** Variables that only make sense together: named in the error when one is missing. */
const checkedConfigSchema = configSchema.superRefine((c, ctx) => {
  if (c.PAYMENT_PROVIDER === "stripe") {
    for (const name of ["STRIPE_SECRET_KEY", "STRIPE_SUCCESS_URL"] as const) {
      if (!c[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required when PAYMENT_PROVIDER=stripe" });
    }
  }
  if (c.VAPI_CREDENTIAL_TYPE === "hmac" && !c.VAPI_HMAC_SECRET) {
    ctx.addIssue({ code: "custom", path: ["VAPI_HMAC_SECRET"], message: "is required when VAPI_CREDENTIAL_TYPE=hmac" });
  }
  const twilio = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"] as const;
  if (twilio.some((n) => c[n]) && !twilio.every((n) => c[n])) {
    for (const name of twilio)
      if (!c[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required when any TWILIO_* variable is set" });
  }
});

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

/** Raised when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once, at start-up. Throws a ConfigError naming each bad variable. */
export function parseConfig(env: Env): Config {
  const result = checkedConfigSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
