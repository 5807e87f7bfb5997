import { z } from "zod";

/** Environment variables Switchboard reads. Nothing else in the codebase touches `process.env`. */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +15551234567");
const destination = z.union([e164, z.string().regex(/^sips?:.+@.+/, "must be E.164 or a sip: URI")]);

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const intFrom = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);

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
  VAPI_SECRET: optionalString.pipe(z.string().min(16, "must be at least 16 characters").optional()),
  VAPI_CREDENTIAL_ID: optionalString,
  VAPI_HMAC_SECRET: optionalString,
  VAPI_HMAC_SIGNATURE_HEADER: z.string().default("x-signature"),
  VAPI_HMAC_TIMESTAMP_HEADER: z.string().default("x-timestamp"),
  VAPI_HMAC_ALGORITHM: z.enum(["sha256", "sha512", "sha1"]).default("sha256"),
  VAPI_HMAC_ENCODING: z.enum(["hex", "base64"]).default("hex"),
  VAPI_HMAC_PREFIX: z.string().default(""),
  VAPI_HMAC_TOLERANCE_SECONDS: intFrom(300, 1, 86_400),
  MAX_BODY_BYTES: intFrom(8 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  MAX_TOOL_CALLS_PER_MESSAGE: intFrom(16, 1, 1000),
  MAX_RESULT_CHARS: intFrom(4000, 100, 100_000),
  TOOL_BUDGET_MS: intFrom(200, 10, 60_000),
  BUSINESS_NAME: z.string().default("Switchboard Demo Co."),
  BUSINESS_TIMEZONE: z.string().default("America/New_York").refine(isTimeZone, "must be an IANA time zone such as Europe/Berlin"),
  TRANSFER_NUMBER: optionalString.pipe(destination.optional()),
  TRANSFER_MESSAGE: z.string().default("Let me connect you with a member of our team. One moment please."),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
});

export type Config = z.infer<typeof configSchema>;
export type Env = Record<string, string | undefined>;

/** Raised when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the environment once, at start-up. Throws a ConfigError naming each bad variable. */
export function parseConfig(env: Env): Config {
  const result = configSchema.safeParse(env);
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
