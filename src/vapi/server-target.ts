/**
 * Where Vapi sends its requests (this server's webhook), how it authenticates there, and how it
 * retries: the `server` object of every tool, assistant and phone number Switchboard configures.
 * ADR 11 explains the choices (a credential by id rather than the secret in payloads; one retry
 * plan per kind of server).
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import type { Config } from "../config.ts";

/**
 * How Vapi authenticates to this server:
 * - `credential`: a Vapi credential referenced by id (bearer or HMAC); no secret in any payload.
 * - `header`: the secret itself as an `x-vapi-secret` header (only when explicitly configured,
 *   VAPI_SERVER_AUTH=header): it then travels inside every assistant and tool Vapi stores or sends.
 * - `none`: no credential id is known yet. A served (transient) assistant then names no server
 *   at all, for itself or its tools: Vapi sends its requests to the next server up its hierarchy
 *   (function > assistant > phone number > account), the phone number's Server URL with the
 *   secret or credential set there, the one that already authenticated assistant-request.
 */
export type ServerAuth = { kind: "credential"; credentialId: string } | { kind: "header"; secret: string } | { kind: "none" };

export interface ServerTarget {
  /** Absolute URL of this server's webhook. */
  url: string;
  auth: ServerAuth;
}

/** Which server this is: each kind has its own timeout and retry plan. */
export type ServerRole =
  /** A function tool: the caller is waiting; `budgetMs` is the tool's own answer budget. */
  | { kind: "tool"; budgetMs: number }
  /** An assistant's server: status updates, the end-of-call report, transfer destinations. */
  | { kind: "assistant" }
  /** A phone number's server: assistant-request, which Vapi gives 7.5 s end to end. */
  | { kind: "phone-number" }
  /** Adaptive endpointing's server: asked inside every turn, where a late answer is worth nothing. */
  | { kind: "endpointing" };

/**
 * Vapi's BackoffPlan as the API takes it. The SDK types `type` and the status codes as objects
 * (copied from a mistake in the published document); the API takes a string and numbers.
 */
export interface BackoffPlan {
  type: "fixed" | "exponential";
  maxRetries: number;
  baseDelaySeconds: number;
  excludedStatusCodes: number[];
}

/**
 * Answers a retry cannot change: a malformed request (400), refused credentials (401, 403), a
 * wrong URL or method (404, 405), a body over MAX_BODY_BYTES (413), a body that is not a Vapi
 * message (422). Switchboard answers every Vapi message 200, so what is left to retry is what a
 * retry can fix: 429, 5xx (a restart, a proxy, a record that could not be stored: 503) and
 * network failures.
 */
export const NOT_RETRIED_STATUS_CODES: readonly number[] = [400, 401, 403, 404, 405, 413, 422];

/** Vapi's hard limit for answering assistant-request, not configurable. */
export const ASSISTANT_REQUEST_LIMIT_SECONDS = 7.5;
/**
 * How long a caller may wait on one tool, all attempts included, before a retry stops helping:
 * about as long as filler ("still checking...") holds a caller before the call feels broken.
 */
export const TOOL_RETRY_WINDOW_SECONDS = 7;
/** Vapi's timeout for the phone number's server (assistant-request answers take milliseconds). */
export const PHONE_NUMBER_TIMEOUT_SECONDS = 3;
/** Vapi's shortest timeout, for adaptive endpointing (answered in about a millisecond). */
export const ENDPOINTING_TIMEOUT_SECONDS = 1;
/** Vapi's timeout for the assistant's server (its default, stated). */
export const ASSISTANT_TIMEOUT_SECONDS = 20;

/** Messages this backend acts on; listed explicitly so Vapi sends nothing we ignore. */
export const SERVER_MESSAGES: readonly Vapi.CreateAssistantDtoServerMessagesItem[] = [
  "tool-calls",
  "transfer-destination-request",
  "status-update",
  "end-of-call-report",
];

/**
 * `{ server }` for a role, or `{}` when no credential is known (see `ServerAuth`): spread into a
 * served assistant or tool so Vapi falls back to the phone number's authenticated server.
 */
export function serverFieldFor(target: ServerTarget, role: ServerRole): { server?: Vapi.Server } {
  return target.auth.kind === "none" ? {} : { server: serverFor(target, role) };
}

/** The `server` object for a role: URL, timeout, retry plan and the credential Vapi presents. */
export function serverFor(target: ServerTarget, role: ServerRole): Vapi.Server {
  const timeoutSeconds = timeoutFor(role);
  const server = {
    url: target.url,
    timeoutSeconds,
    ...authFields(target.auth),
    backoffPlan: backoffPlanFor(role, timeoutSeconds),
  };
  return server as unknown as Vapi.Server;
}

function authFields(auth: ServerAuth): { credentialId: string } | { headers: Record<string, string> } | Record<string, never> {
  if (auth.kind === "credential") return { credentialId: auth.credentialId };
  if (auth.kind === "header") return { headers: { "x-vapi-secret": auth.secret } };
  return {};
}

function timeoutFor(role: ServerRole): number {
  if (role.kind === "tool") return timeoutSecondsFor(role.budgetMs);
  if (role.kind === "endpointing") return ENDPOINTING_TIMEOUT_SECONDS;
  return role.kind === "phone-number" ? PHONE_NUMBER_TIMEOUT_SECONDS : ASSISTANT_TIMEOUT_SECONDS;
}

/**
 * The retry plan for a role, bounded by what the waiting side can use:
 * - a tool: fixed 1 s apart, only as many retries as fit, with every attempt taking its full
 *   timeout, within TOOL_RETRY_WINDOW_SECONDS (1 for budgets up to 1.5 s, none for a tool whose
 *   timeout leaves no room for a second attempt: the caller would be gone). A retried tool call is safe:
 *   side effects are idempotent by toolCallId.
 * - the phone number: as many as fit within assistant-request's 7.5 s (1 at a 3 s timeout).
 * - the assistant: patient, because its server receives the end-of-call report, which Switchboard
 *   answers 503 when it cannot store it: exponential from 1 s, 8 retries (about 4 minutes of
 *   delays), enough to ride out a restart or a short database outage.
 */
export function backoffPlanFor(role: ServerRole, timeoutSeconds = timeoutFor(role)): BackoffPlan {
  const excludedStatusCodes = [...NOT_RETRIED_STATUS_CODES];
  // The turn has moved on by the time a retry could answer; Vapi then waits by its own plan.
  if (role.kind === "endpointing") return { type: "fixed", maxRetries: 0, baseDelaySeconds: 1, excludedStatusCodes };
  if (role.kind === "assistant") return { type: "exponential", maxRetries: 8, baseDelaySeconds: 1, excludedStatusCodes };
  const window = role.kind === "tool" ? TOOL_RETRY_WINDOW_SECONDS : ASSISTANT_REQUEST_LIMIT_SECONDS;
  return { type: "fixed", maxRetries: retriesWithin(window, timeoutSeconds, 1), baseDelaySeconds: 1, excludedStatusCodes };
}

/** How many retries fit in `window` seconds when every attempt may take its whole timeout (0 to 10). */
export function retriesWithin(windowSeconds: number, timeoutSeconds: number, delaySeconds: number): number {
  const retries = Math.floor((windowSeconds - timeoutSeconds) / (timeoutSeconds + delaySeconds));
  return Math.min(10, Math.max(0, retries));
}

/**
 * Vapi's timeout for a tool. The server answers within the budget itself, so Vapi's own timeout
 * only has to cover the network on top: budget plus a margin, in whole seconds (1 to 300).
 */
export function timeoutSecondsFor(budgetMs: number): number {
  return Math.min(300, Math.max(1, Math.ceil((budgetMs + 1500) / 1000)));
}

/**
 * How Vapi should authenticate, from the configuration: the explicit header form, else the
 * credential (VAPI_CREDENTIAL_ID; on Node also the id `npm run vapi -- apply` saved), else none.
 */
export function serverAuthFor(config: Pick<Config, "VAPI_SERVER_AUTH" | "VAPI_CREDENTIAL_ID">, secret: string): ServerAuth {
  if (config.VAPI_SERVER_AUTH === "header") return { kind: "header", secret };
  return config.VAPI_CREDENTIAL_ID ? { kind: "credential", credentialId: config.VAPI_CREDENTIAL_ID } : { kind: "none" };
}

/** One line on how Vapi authenticates, for start-up banners and warnings. */
export function describeServerAuth(auth: ServerAuth): string {
  if (auth.kind === "credential") return `Vapi credential ${auth.credentialId} (by id: no secret in payloads)`;
  if (auth.kind === "header") return "x-vapi-secret header inside each payload (VAPI_SERVER_AUTH=header)";
  return "the phone number's Server URL secret (the served assistant names no server of its own); run `npm run vapi -- apply` or set VAPI_CREDENTIAL_ID for per-tool timeouts and retries through a Vapi credential";
}
