/**
 * Structured JSON-lines logger. Every line passes through `redact`, so a card number, a secret
 * or a caller's full phone number never reaches the log sink, whoever logs it.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  /** Where finished lines go; defaults to stdout. Tests pass an array's push. */
  sink?: (line: string) => void;
  /** Exact strings (secrets, tokens) to scrub wherever they appear. */
  secrets?: readonly string[];
  now?: () => number;
}

const SENSITIVE_KEY = /(secret|token|password|authorization|api[-_]?key|signature|credential|cookie)/i;
// Runs of 13-19 digits, optionally split by single spaces or dashes: card-number shaped.
const CARD_LIKE = /\b\d(?:[ -]?\d){12,18}\b/g;
const PHONE = /\+\d{7,15}\b/g;

/** Masks a phone number to its last four digits: `+15551234567` → `+*******4567`. */
export function maskPhone(value: string): string {
  return value.replace(PHONE, (m) => `+${"*".repeat(Math.max(0, m.length - 5))}${m.slice(-4)}`);
}

/** Removes card-like digit runs and known secrets from free text. */
export function redactText(value: string, secrets: readonly string[] = []): string {
  let out = value;
  for (const s of secrets) if (s.length >= 6) out = out.split(s).join("[redacted]");
  return maskPhone(out.replace(CARD_LIKE, "[redacted-digits]"));
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[truncated]";
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message, secrets), stack: value.stack && redactText(value.stack, secrets) };
  }
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SENSITIVE_KEY.test(k) ? "[redacted]" : redactValue(v, secrets, depth + 1);
  }
  return out;
}

/** Creates a logger writing one JSON object per line. */
export function createLogger(options: LoggerOptions = {}, bindings: LogFields = {}): Logger {
  const threshold = order[options.level ?? "info"];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secrets = options.secrets ?? [];
  const now = options.now ?? Date.now;
  const write = (level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (order[level] < threshold) return;
    const record = redactValue({ ...bindings, ...fields }, secrets, 0) as LogFields;
    sink(JSON.stringify({ time: new Date(now()).toISOString(), level, msg: redactText(msg, secrets), ...record }));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (more) => createLogger(options, { ...bindings, ...more }),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: "silent", sink: () => {} });
