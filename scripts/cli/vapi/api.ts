/**
 * Talking to Vapi's REST API for the sync CLI: one error type that names the host, the request
 * and the cause (network, timeout, or an HTTP status with Vapi's own message), for both the SDK
 * client and the raw calls; and the `/credential` endpoints, which the SDK (2.0.1) has no client
 * for, called with fetch on the same base URL and API key.
 */
import { VapiError, VapiTimeoutError } from "@vapi-ai/server-sdk";

/** A failed request to Vapi's API, with a message a person can act on. */
export class VapiRequestError extends Error {
  override name = "VapiRequestError";
  constructor(
    message: string,
    readonly details: { host: string; operation: string; status?: number },
  ) {
    super(message);
  }
}

/** Where Vapi's API is and the key to use (VAPI_API_URL, VAPI_API_KEY). */
export interface VapiHttp {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

/** The host (and port) of a base URL, as named in errors. */
export function hostOf(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/** Vapi's error bodies are NestJS-shaped: `{ message: string | string[], error, statusCode }`. */
function vapiMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body.trim().slice(0, 500) || undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const { message, error } = body as { message?: unknown; error?: unknown };
  if (Array.isArray(message)) return message.map(String).join("; ");
  if (typeof message === "string") return message;
  return typeof error === "string" ? error : undefined;
}

/** The innermost readable cause of a network failure, e.g. `ECONNREFUSED 127.0.0.1:9` or `ENOTFOUND api.vapi.ai`. */
function networkCause(err: unknown): string {
  let current: unknown = err;
  let text = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const { code, message } = current as Error & { code?: string };
    if (code) return `${code}: ${message}`;
    text = message || text;
    current = (current as { cause?: unknown }).cause;
  }
  return text;
}

function httpFailure(host: string, operation: string, status: number, body: unknown): VapiRequestError {
  const said = vapiMessage(body);
  const hint = status === 401 || status === 403 ? " (check VAPI_API_KEY: a private API key of the organization)" : "";
  return new VapiRequestError(`${operation} on ${host} failed: HTTP ${status}${said ? `: ${said}` : ""}${hint}`, {
    host,
    operation,
    status,
  });
}

function networkFailure(host: string, operation: string, err: unknown): VapiRequestError {
  return new VapiRequestError(`${operation}: could not reach ${host} (network error: ${networkCause(err)})`, { host, operation });
}

function timeoutFailure(host: string, operation: string, seconds: number): VapiRequestError {
  return new VapiRequestError(`${operation}: ${host} did not answer within ${seconds} s`, { host, operation });
}

/** Runs one SDK call, turning its errors into a VapiRequestError naming `operation` and the host. */
export async function viaSdk<T>(host: string, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof VapiTimeoutError) throw timeoutFailure(host, operation, 30);
    if (err instanceof VapiError) {
      if (err.statusCode !== undefined) throw httpFailure(host, operation, err.statusCode, err.body);
      throw networkFailure(host, operation, err.cause ?? err);
    }
    throw err;
  }
}

/** One JSON request with fetch. */
async function request<T>(http: VapiHttp, method: string, path: string, body?: unknown): Promise<T> {
  const host = hostOf(http.baseUrl);
  const operation = `${method} ${path}`;
  const timeoutMs = http.timeoutMs ?? 30_000;
  let res: Response;
  try {
    res = await fetch(`${http.baseUrl.replace(/\/+$/, "")}${path}`, {
      method,
      headers: { authorization: `Bearer ${http.token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    if ((err as Error).name === "TimeoutError") throw timeoutFailure(host, operation, timeoutMs / 1000);
    throw networkFailure(host, operation, err);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): reported as text.
  }
  if (!res.ok) throw httpFailure(host, operation, res.status, parsed);
  return parsed as T;
}

/** A webhook credential as Vapi returns it: secrets are write-only and may be absent. */
export interface RemoteCredential {
  id: string;
  provider: string;
  name?: string;
  authenticationPlan?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Vapi's `/credential` endpoints (documented in Vapi's API reference; not in the SDK 2.0.1). */
export function credentialsApi(http: VapiHttp) {
  return {
    list: () => request<RemoteCredential[]>(http, "GET", "/credential?limit=1000"),
    get: (id: string) => request<RemoteCredential>(http, "GET", `/credential/${encodeURIComponent(id)}`),
    create: (body: unknown) => request<RemoteCredential>(http, "POST", "/credential", body),
    update: (id: string, body: unknown) => request<RemoteCredential>(http, "PATCH", `/credential/${encodeURIComponent(id)}`, body),
  };
}
