/**
 * Structured JSON-lines logger. Every line passes through `redact`, so a card number, a secret
 * or a caller's full phone number never reaches the log sink, whoever logs it. Card numbers are
 * found by the one detector the tool-argument guard and the call-record redaction use
 * (./card-numbers.ts), and errors are serialized without the data that made them fail (a failed
 * query's parameters, a Postgres error's detail).
 */

import { CARD_DIGITS, DIGIT_WORDS, MULTIPLIERS } from "./card-numbers/characters.ts";
import { redactCardNumbers } from "./card-numbers.ts";
import { CARD_MARKER } from "./redaction/markers.ts";
import { redactEmails } from "./redaction/text-scans.ts";

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
  /** Where finished lines go, with their level; defaults to stdout. Tests pass an array's push. */
  sink?: (line: string, level: Exclude<LogLevel, "silent">) => void;
  /** Exact strings (secrets, tokens) to scrub wherever they appear. */
  secrets?: readonly string[];
  now?: () => number;
}

const SENSITIVE_KEY = /(secret|token|password|authorization|api[-_]?key|signature|credential|cookie)/i;
const PHONE = /\+\d{7,15}\b/g;

/** Masks a phone number to its last four digits: `+15551234567` → `+*******4567`. */
export function maskPhone(value: string): string {
  return value.replace(PHONE, (m) => `+${"*".repeat(Math.max(0, m.length - 5))}${m.slice(-4)}`);
}

/** The digit words and multipliers the detector reads, by length, with how many digits each stands for. */
const NUMBER_WORDS_BY_LENGTH: ReadonlyArray<ReadonlyArray<[word: string, digits: number]>> = (() => {
  const byLength: Array<Array<[string, number]>> = [];
  const add = (word: string, digits: number) => {
    const list = byLength[word.length] ?? [];
    list.push([word, digits]);
    byLength[word.length] = list;
  };
  for (const word of DIGIT_WORDS.keys()) add(word, 1);
  for (const [word, times] of MULTIPLIERS) add(word, times);
  return byLength;
})();

/** Digits `text[start, end)` stands for when it is a digit word ("four", "Oh") or a multiplier ("double"), else 0. No allocation. */
function numberWordDigits(text: string, start: number, end: number): number {
  const candidates = NUMBER_WORDS_BY_LENGTH[end - start];
  if (!candidates) return 0;
  for (const [word, digits] of candidates) {
    let k = 0;
    while (k < word.length && (text.charCodeAt(start + k) | 0x20) === word.charCodeAt(k)) k++;
    if (k === word.length) return digits;
  }
  return 0;
}

/**
 * A cheap test run before the card detector: false only when `text` cannot hold a card number,
 * because it has fewer than 13 digits and digit words. Every non-ASCII character counts as a
 * digit (other scripts' digits), "double"/"triple" as the digits they stand for, so it never
 * says false where the detector would find a card. Most log strings (ids, levels, short
 * messages, durations) stop here without allocating.
 */
export function mayHoldCardNumber(text: string): boolean {
  if (text.length < CARD_DIGITS.min) return false;
  let units = 0;
  let wordStart = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    const lower = c | 0x20;
    if (lower >= 0x61 && lower <= 0x7a) {
      if (wordStart < 0) wordStart = i;
      continue;
    }
    if (wordStart >= 0) {
      units += numberWordDigits(text, wordStart, i);
      wordStart = -1;
    }
    if ((c >= 0x30 && c <= 0x39) || c >= 0x80) units++;
    if (units >= CARD_DIGITS.min) return true;
  }
  return false;
}

function scrubSecrets(value: string, secrets: readonly string[]): string {
  let out = value;
  for (const s of secrets) if (s.length >= 6 && out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}

/** Removes card numbers (with an expiry and CVV said next to them), known secrets and full phone numbers from free text. */
export function redactText(value: string, secrets: readonly string[] = []): string {
  let out = scrubSecrets(value, secrets);
  if (mayHoldCardNumber(out)) out = redactCardNumbers(out, CARD_MARKER);
  return out.includes("+") ? maskPhone(out) : out;
}

// ---------------------------------------------------------------------------------------------
// Errors: what failed, never the data it failed on.

/** How many `cause` links of an error are logged. */
const MAX_CAUSE_DEPTH = 3;
/** Longest query text logged (a statement, never its parameter values). */
const MAX_QUERY_CHARS = 2_000;
/** A Postgres error's fields that say what failed without the values: the rest (detail, hint, where) quote row data. */
const POSTGRES_FIELDS: ReadonlyArray<[from: string, to: string]> = [
  ["code", "code"],
  ["severity", "severity"],
  ["constraint_name", "constraint"],
  ["schema_name", "schema"],
  ["table_name", "table"],
  ["column_name", "column"],
  ["data_type_name", "dataType"],
  ["routine", "routine"],
];
/** Other errors' own fields worth logging when they are plain values (Node's system errors, HTTP clients). */
const PLAIN_FIELDS = ["code", "status", "statusCode", "errno", "syscall", "type"] as const;

type ErrorRecord = Record<string, unknown>;

/** A wrapped query failure: drizzle's DrizzleQueryError carries `query` and `params` (and puts both in its message). */
function isQueryWrapper(err: Error): err is Error & { query: string; params: unknown } {
  return "params" in err && typeof (err as { query?: unknown }).query === "string";
}

/**
 * A Postgres error's message without a value it quotes: data errors end in the offending input
 * (`invalid input syntax for type uuid: "..."`), which may be personal data.
 */
function postgresMessage(message: string): string {
  const quote = message.lastIndexOf(': "');
  return quote >= 0 && message.endsWith('"') ? `${message.slice(0, quote)}: [value]` : message;
}

function errorName(err: Error): string {
  const constructorName = (err.constructor as { name?: unknown } | undefined)?.name;
  return err.name === "Error" && typeof constructorName === "string" && constructorName !== "" ? constructorName : err.name;
}

/** Only the stack's frames ("    at ..."): the first lines repeat the message, parameters included. */
function stackFrames(stack: string | undefined): string {
  if (!stack) return "";
  return stack
    .split("\n")
    .filter((line) => line.trimStart().startsWith("at ") && line !== line.trimStart())
    .join("\n");
}

/**
 * An error as logged: name, message, stack frames, the fields that say what failed, and its
 * cause. Query parameters are never included (neither drizzle's `params` nor postgres.js's
 * `parameters`); the query text is, cut at `MAX_QUERY_CHARS`.
 */
export function serializeError(err: Error, secrets: readonly string[] = [], depth = 0): ErrorRecord {
  const name = errorName(err);
  const out: ErrorRecord = { name };
  let message: string;
  let query: unknown;
  if (isQueryWrapper(err)) {
    message = "Failed query";
    query = err.query;
  } else {
    message = name === "PostgresError" ? postgresMessage(err.message) : err.message;
    // postgres.js attaches the statement (and its parameters, which stay out) as hidden properties.
    query = (err as { query?: unknown }).query;
  }
  out.message = redactEmails(redactText(message, secrets));
  if (name === "PostgresError") {
    const fields = err as unknown as Record<string, unknown>;
    for (const [from, to] of POSTGRES_FIELDS) if (typeof fields[from] === "string") out[to] = fields[from];
  } else {
    const fields = err as unknown as Record<string, unknown>;
    for (const key of PLAIN_FIELDS) {
      const v = fields[key];
      if (typeof v === "number" || (typeof v === "string" && v.length <= 100))
        out[key] = typeof v === "string" ? redactText(v, secrets) : v;
    }
  }
  if (typeof query === "string") out.query = redactEmails(redactText(query.slice(0, MAX_QUERY_CHARS), secrets));
  const frames = stackFrames(err.stack);
  // Frames name code, not data: only secrets are scrubbed there (the card detector would read every line number).
  out.stack = frames ? `${name}: ${out.message}\n${scrubSecrets(frames, secrets)}` : `${name}: ${out.message}`;
  const cause = err.cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = cause instanceof Error ? serializeError(cause, secrets, depth + 1) : redactValue(cause, secrets, 6);
  }
  return out;
}

function redactValue(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (typeof value === "bigint") return redactText(String(value), secrets);
  if (typeof value === "number") {
    // A card sent as a JSON number has 13 or more digits; counts, durations and codes never reach the detector.
    if (Math.abs(value) < 1e12) return value;
    const text = String(value);
    const redacted = redactText(text, secrets);
    return redacted === text ? value : redacted;
  }
  if (value === null || typeof value !== "object") return value;
  if (depth > 6) return "[truncated]";
  if (value instanceof Error) return serializeError(value, secrets);
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redactValue(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = mayHoldCardNumber(k) ? redactText(k, secrets) : k;
    out[key] = SENSITIVE_KEY.test(k) ? "[redacted]" : redactValue(v, secrets, depth + 1);
  }
  return out;
}

/** Creates a logger writing one JSON object per line. */
export function createLogger(options: LoggerOptions = {}, bindings: LogFields = {}): Logger {
  const threshold = order[options.level ?? "info"];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6);
  const now = options.now ?? Date.now;
  const write = (level: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (order[level] < threshold) return;
    const record = redactValue({ ...bindings, ...fields }, secrets, 0) as LogFields;
    sink(JSON.stringify({ time: new Date(now()).toISOString(), level, msg: redactText(msg, secrets), ...record }), level);
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
