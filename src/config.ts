import { z } from "zod";
import { E164, E164_MESSAGE } from "./lib/patterns.ts";

/** Environment variables Switchboard reads. Nothing else in the codebase touches `process.env`. */
const e164 = z.string().regex(E164, E164_MESSAGE);
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
  PORT: intFrom(3000, 0, 65535).describe("HTTP port to listen on (0 picks a free one)."),
  HOST: z.string().default("0.0.0.0").describe("Interface to listen on."),
  PUBLIC_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/ }).optional())
    .describe(
      "Public base URL Vapi reaches, e.g. https://sb.example.com; without it the URL is derived from each request's Host / X-Forwarded-* headers.",
    ),
  DATABASE_URL: optionalString
    .pipe(z.url({ protocol: /^postgres(ql)?$/ }).optional())
    .describe("postgres:// URL of the system of record; without it `npm start` runs an embedded PostgreSQL (PGlite) under DATA_DIR."),
  DATABASE_POOL_MAX: intFrom(10, 1, 200).describe("Postgres connections per process (per request on Workers, at most 4)."),
  DATA_DIR: z.string().default(".data").describe("Where the embedded database and the generated secrets are kept."),
  REDIS_URL: optionalString
    .pipe(z.url({ protocol: /^rediss?$/ }).optional())
    .describe("redis:// URL of the hot-lookup cache; without it an in-process cache stands in."),
  REDIS_KEY_PREFIX: z.string().default("sb:").describe("Prefix of every Redis key, so several deployments can share one Redis."),
  REDIS_COMMAND_TIMEOUT_MS: intFrom(50, 1, 10_000).describe(
    "A slower Redis command gives up and the lookup falls through to Postgres, in ms.",
  ),
  REDIS_CONNECT_TIMEOUT_MS: intFrom(500, 10, 30_000).describe("Workers: how long a request waits for its Redis connection, in ms."),
  REDIS_INVALIDATION_TIMEOUT_MS: intFrom(500, 1, 10_000).describe(
    "How long a cache invalidation (a generation bump after a committed write) may wait for Redis, in ms. Longer than REDIS_COMMAND_TIMEOUT_MS: a bump that gives up leaves stale entries current until it is replayed.",
  ),
  MEMORY_CACHE_MAX_ENTRIES: intFrom(50_000, 100, 10_000_000).describe("Size bound of the in-process cache (no REDIS_URL)."),
  CACHE_MIRROR_MAX_ENTRIES: intFrom(10_000, 0, 1_000_000).describe(
    "Node with Redis: hot lookups kept in a local mirror that Redis keeps coherent (ADR 8); 0 turns it off.",
  ),
  VAPI_SECRET: optionalString
    .pipe(z.string().min(16, "must be at least 16 characters").optional())
    .describe(
      "The shared secret Vapi presents (x-vapi-secret, a bearer token), at least 16 characters; generated and kept in DATA_DIR when unset (Node).",
    ),
  VAPI_CREDENTIAL_ID: optionalString.describe(
    "Id of the Vapi credential the servers Switchboard configures reference (`npm run vapi -- apply` creates it and, on Node, keeps its id in DATA_DIR).",
  ),
  VAPI_HMAC_SECRET: optionalString.describe("Enables HMAC verification of Vapi's requests with this secret (a Vapi HMAC credential)."),
  VAPI_HMAC_SIGNATURE_HEADER: z.string().default("x-signature").describe("Header carrying the HMAC signature."),
  VAPI_HMAC_TIMESTAMP_HEADER: z.string().default("x-timestamp").describe("Header carrying the HMAC timestamp (seconds or milliseconds)."),
  VAPI_HMAC_ALGORITHM: z.enum(["sha256", "sha512", "sha1"]).default("sha256").describe("HMAC algorithm: sha256, sha512 or sha1."),
  VAPI_HMAC_ENCODING: z.enum(["hex", "base64"]).default("hex").describe("Encoding of the HMAC signature: hex or base64."),
  VAPI_HMAC_PREFIX: z.string().default("").describe("Text before the signature, e.g. sha256=."),
  VAPI_HMAC_TOLERANCE_SECONDS: intFrom(300, 1, 86_400).describe("Accepted distance of the HMAC timestamp from now, in seconds."),
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
  MAX_BODY_BYTES: intFrom(8 * 1024 * 1024, 1024, 100 * 1024 * 1024).describe("Largest request body accepted; larger ones get 413."),
  BODY_MEMORY_BUDGET_BYTES: intFrom(0, 0, 16 * 1024 ** 3).describe(
    "Heap that webhook bodies being read, parsed and handled may hold at once, estimated from each body's size and structure. " +
      "A body that does not fit now is answered 503 with Retry-After (Vapi retries it); one that could never fit, 413. " +
      "0 derives it from the heap limit (35%: about 72 MB under npm run start:prod).",
  ),
  BODY_READ_TIMEOUT_MS: intFrom(5_000, 100, 120_000).describe(
    "Longest time a webhook request may take to send its body; a slower one is answered 408 and its memory freed.",
  ),
  CALL_RECORD_SPOOL_MAX_BYTES: intFrom(256 * 1024 ** 2, 0, 1024 ** 4).describe(
    "Node only: disk space (under DATA_DIR/spool) for call records kept while the database cannot take them; they are " +
      "written to the database once it can. Past it a record is not acknowledged (503, Vapi retries). 0 turns the spool off.",
  ),
  MAX_TOOL_CALLS_PER_MESSAGE: intFrom(16, 1, 1000).describe(
    "Tool calls run per message; more are answered with an error the model can act on, not run.",
  ),
  MAX_RESULT_CHARS: intFrom(4000, 100, 100_000).describe("Tool results are cut to this length (one line)."),
  SIDE_EFFECT_LIMIT_PER_MINUTE: intFrom(10, 0, 10_000).describe("Side-effecting tool calls one caller may start per minute (0: no limit)."),
  TOOL_BUDGET_MS: intFrom(200, 10, 60_000).describe(
    "Default server-side budget of a tool call, in ms; past it the caller hears the timeout sentence and writes roll back.",
  ),
  TOOL_COLD_BUDGET_MS: intFrom(1_000, 1, 60_000).describe(
    "Workers only: the least budget any tool gets in a cold isolate, until it has served its first Vapi request (deferred work included). The first calls compile their code and open the first connections: 110-670 ms under `wrangler dev` (get_business_hours, no I/O, 60 ms against its 50 ms budget), 35-45 ms warm. 1 turns the allowance off.",
  ),
  BUSINESS_NAME: z.string().default("Switchboard Demo Co.").describe("The business's name, used in the greeting and the prompt."),
  BUSINESS_TIMEZONE: z
    .string()
    .default("America/New_York")
    .refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin")
    .describe("IANA time zone of the business: how times are spoken and days bounded."),
  TRANSFER_NUMBER: optionalString
    .pipe(destination.optional())
    .describe("Human fallback for transfers: an E.164 number or a sip: URI (unset: transfers are off and the caller is told so)."),
  TRANSFER_MESSAGE: z
    .string()
    .default("Let me connect you with a member of our team. One moment please.")
    .describe("Spoken before a transfer to TRANSFER_NUMBER."),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalString.pipe(z.url().optional()).describe("OTLP/HTTP endpoint for traces (unset: tracing off)."),
  OTEL_SERVICE_NAME: z.string().default("switchboard").describe("Service name in traces."),
  WARM_UP: z
    .enum(["true", "false", "1", "0"])
    .default("true")
    .transform((v) => v === "true" || v === "1")
    .describe("Open connections and prepare the tools' queries at start, so the first call is as fast as the thousandth."),
  ASSISTANT_PRESET: optionalString
    .pipe(z.enum(["scheduling", "dispatch", "support"]).optional())
    .describe(
      "The preset every call gets unless a phone number has its own: scheduling, dispatch or support (default from assistant.config.ts).",
    ),
  VAPI_ASSISTANT_ID: optionalString.describe(
    "Answer assistant-request with this stored Vapi assistant (personalized through variableValues) instead of a transient one.",
  ),
  VAPI_STRUCTURED_OUTPUT_IDS: optionalString
    .pipe(
      z
        .string()
        .regex(/^\s*[A-Za-z]\w*\s*=\s*[^\s,=]+\s*(,\s*[A-Za-z]\w*\s*=\s*[^\s,=]+\s*)*$/, "must be key=id pairs separated by commas")
        .optional(),
    )
    .transform((v) => (v === undefined ? {} : Object.fromEntries(v.split(",").map((pair) => pair.split("=").map((x) => x.trim())))))
    .describe(
      "The structured outputs' ids in Vapi, as key=id pairs separated by commas (`npm run vapi -- apply` prints the line): the transient assistant served on assistant-request references these by id and carries any other output of assistant.config.ts inline.",
    ),
  PERSONALIZATION_BUDGET_MS: intFrom(35, 1, 5_000).describe(
    "How long assistant-request waits for the caller's profile before answering un-personalized, in ms.",
  ),
  SCREENING_BUDGET_MS: intFrom(250, 1, 5_000).describe(
    "How long assistant-request waits for screening's lookups (the blocklist, the rate-limit counter) before letting the call through unscreened, in ms: a screening outage must not turn callers away.",
  ),
  PREDIAL_BUDGET_MS: intFrom(2_000, 50, 15_000).describe(
    "How long campaign.predial may take to decide a contact (do-not-call list, daily attempts) before the contact is skipped, in ms; below the campaign server's timeout in Vapi.",
  ),
  KB_BUDGET_MS: intFrom(1_000, 50, 10_000).describe(
    "How long knowledge-base-request may search before answering with no documents (the model then answers without them), in ms.",
  ),
  KB_TOP_K: intFrom(3, 1, 10).describe("How many passages knowledge-base-request returns at most, best first."),
  PERSONALIZATION_COLD_BUDGET_MS: intFrom(500, 1, 5_000).describe(
    "Workers only: the personalization budget of a cold isolate, until it has served its first Vapi request (deferred work included). A new isolate compiles the code of its first lookup and opens its first connections: 270-470 ms under `wrangler dev` against 40-110 ms warm. Never below PERSONALIZATION_BUDGET_MS.",
  ),
  CALLER_PROFILE_TTL_SECONDS: intFrom(300, 1, 86_400).describe("How long a caller's profile and memory stay cached."),
  CALL_STATE_TTL_SECONDS: intFrom(7_200, 60, 7 * 86_400).describe("How long per-call state (ctx.callState) lives in the cache."),
  TOOL_FAILURES_BEFORE_HANDOFF: intFrom(2, 1, 100).describe(
    "After this many failed tool calls in one call, the model is told to offer a person.",
  ),
  TRANSCRIPT_RETENTION_DAYS: intFrom(30, 0, 36_500).describe(
    "Transcripts of calls that ended longer ago are deleted (the rest of the record stays); 0 keeps them.",
  ),
  VAPI_API_KEY: optionalString.describe("Vapi private API key, for `npm run vapi` (sync) and for creating reminder campaigns and calls."),
  VAPI_API_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://api.vapi.ai")
    .describe("Vapi API base URL (tests point it at a fake)."),
  VAPI_PHONE_NUMBER_ID: optionalString.describe(
    "The Vapi phone number whose server URL `npm run vapi -- apply` sets, and that reminder calls come from.",
  ),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info").describe("debug, info, warn, error or silent."),
  API_TOKEN: optionalString
    .pipe(z.string().min(24, "must be at least 24 characters").optional())
    .describe("Bearer token of the REST API under /api, at least 24 characters (unset: the API answers 503)."),
  DEMO_DATA: z.enum(["auto", "on", "off"]).default("auto").describe("Seed the demo data at start: auto (embedded database only), on, off."),
  ALLOW_EMBEDDED_DATABASE: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1")
    .describe("Let `npm run start:prod` run on the embedded database (one connection, for development)."),
  PAYMENT_PROVIDER: z
    .enum(["link", "stripe"])
    .default("link")
    .describe("link (a signed link to PAYMENT_PAGE_URL) or stripe (Stripe Checkout)."),
  PAYMENT_PAGE_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/ }).optional())
    .describe("Your payment page; the link adds a signed token parameter (unset: this server's /pay demo page)."),
  PAYMENT_LINK_SECRET: optionalString
    .pipe(z.string().min(16, "must be at least 16 characters").optional())
    .describe(
      "Signs payment link tokens and the payment page's confirmations (PAYMENT_PROVIDER=link). Must differ from every other secret. " +
        "Unset on Node: generated once and kept in DATA_DIR/payment-link-secret. Required on Workers.",
    ),
  PAYMENT_LINK_TTL_MINUTES: intFrom(24 * 60, 30, 24 * 60).describe("How long a payment link stays valid, in minutes (30 to 1440)."),
  STRIPE_SECRET_KEY: optionalString.describe("Stripe API key; required with PAYMENT_PROVIDER=stripe."),
  STRIPE_WEBHOOK_SECRET: optionalString.describe("Signing secret (whsec_...) of the /payments/stripe/webhook endpoint."),
  STRIPE_SUCCESS_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/ }).optional())
    .describe("Where Stripe Checkout sends the payer afterwards; required with PAYMENT_PROVIDER=stripe."),
  TWILIO_ACCOUNT_SID: optionalString.describe(
    "With TWILIO_AUTH_TOKEN and TWILIO_FROM, SMS go out through Twilio; otherwise they stay in the outbox table.",
  ),
  TWILIO_AUTH_TOKEN: optionalString.describe("Twilio auth token."),
  TWILIO_FROM: optionalString
    .pipe(z.union([e164, z.string().regex(/^MG[0-9a-f]{32}$/i, "must be E.164 or a Messaging Service SID")]).optional())
    .describe("SMS sender: an E.164 number or a Messaging Service SID (MG...)."),
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
  // Whoever holds the Vapi secret (Vapi does) must not be able to confirm payments: the link secret is its own.
  if (c.PAYMENT_LINK_SECRET) {
    for (const other of ["VAPI_SECRET", "VAPI_HMAC_SECRET", "API_TOKEN"] as const) {
      if (c[other] === c.PAYMENT_LINK_SECRET) {
        ctx.addIssue({
          code: "custom",
          path: ["PAYMENT_LINK_SECRET"],
          message: `must differ from ${other} (anyone holding ${other} could confirm payments)`,
        });
      }
    }
  }
  const twilio = ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"] as const;
  if (twilio.some((n) => c[n]) && !twilio.every((n) => c[n])) {
    for (const name of twilio)
      if (!c[name]) ctx.addIssue({ code: "custom", path: [name], message: "is required when any TWILIO_* variable is set" });
  }
});

/**
 * The environment parsed into the units the code uses: each duration variable stays as written
 * (for messages and docs) and is also given once, converted, under `durations`.
 */
const parsedConfigSchema = checkedConfigSchema.transform((c) => ({
  ...c,
  durations: {
    callStateTtlMs: c.CALL_STATE_TTL_SECONDS * 1000,
    callerProfileTtlMs: c.CALLER_PROFILE_TTL_SECONDS * 1000,
    paymentLinkTtlMs: c.PAYMENT_LINK_TTL_MINUTES * 60_000,
  },
}));

export type Config = z.output<typeof parsedConfigSchema>;
export type Env = Record<string, string | undefined>;

/** The variables holding this server's own secrets: never logged, never stored in a call record. */
export const SECRET_VARIABLES = [
  "VAPI_SECRET",
  "VAPI_HMAC_SECRET",
  "API_TOKEN",
  "PAYMENT_LINK_SECRET",
  "VAPI_API_KEY",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "TWILIO_AUTH_TOKEN",
] as const;

/** A secret shorter than this is not scrubbed from text: it would match ordinary words. */
const MIN_SCRUBBED_SECRET = 6;

/**
 * This server's secrets: the configured ones (`SECRET_VARIABLES`) and any resolved at start
 * (a generated Vapi or payment-link secret), each once, for the logger and the call-record
 * redaction to remove wherever they appear.
 */
export function serverSecrets(config: Config, resolved: readonly (string | undefined)[] = []): string[] {
  const all = [...SECRET_VARIABLES.map((name) => config[name]), ...resolved];
  return [...new Set(all.filter((s): s is string => s !== undefined && s.length >= MIN_SCRUBBED_SECRET))];
}

/** Raised when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once, at start-up. Throws a ConfigError naming each bad variable. */
export function parseConfig(env: Env): Config {
  const result = parsedConfigSchema.safeParse(env);
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
