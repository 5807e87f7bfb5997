/**
 * Helpers for the tests that run inside workerd: requests go through the Worker's own fetch
 * handler (src/worker.ts, as wrangler.toml declares it), with the bindings the vitest config
 * gives (Hyperdrive to the run's fresh database, the run's Redis, test secrets).
 */
import { env, exports } from "cloudflare:workers";
import type { Cache } from "../../src/cache/cache.ts";
import { createRequestRedisCache } from "../../src/cache/redis-cache.ts";
import { createDatabase } from "../../src/db/client.ts";
import { systemClock } from "../../src/lib/clock.ts";
import { silentLogger } from "../../src/lib/logger.ts";
import { inTransaction, type ServiceContext } from "../../src/services/context.ts";
import { toolCallsMessage } from "../support/vapi-messages.ts";

export type ToolAnswer = { toolCallId: string; name: string; result?: string; error?: string };

export const BASE = "https://switchboard.example.com";

/** The bindings the vitest config set, as strings. */
export const testEnv = env as unknown as Record<string, string | undefined> & { HYPERDRIVE: Hyperdrive };

export const SECRET = testEnv.VAPI_SECRET!;
export const HMAC_SECRET = testEnv.VAPI_HMAC_SECRET!;

/** Sends a request to the Worker's fetch handler. */
export function workerFetch(path: string, init?: RequestInit): Promise<Response> {
  // The default export is the Worker under test (wrangler.toml's main), as the pool wires it.
  return (exports as unknown as { default: Fetcher }).default.fetch(new Request(`${BASE}${path}`, init));
}

/** POSTs a Vapi message with the shared secret (or the given headers); returns status and JSON. */
export async function webhook(body: unknown, headers: Record<string, string> = { "x-vapi-secret": SECRET }) {
  const res = await workerFetch("/vapi/webhook", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { results?: ToolAnswer[] } };
}

/** Runs service writes against the Worker's database (through Hyperdrive) and Redis, as the REST API would: committed, then invalidated. */
export async function seed<T>(fn: (ctx: ServiceContext) => Promise<T>): Promise<T> {
  // Left to the runtime to close: postgres.js end() inside the test pool leaves a "Stream was cancelled" rejection behind.
  const { db } = createDatabase(testEnv.HYPERDRIVE.connectionString, { max: 1, fetchTypes: false });
  return withRedis((cache) =>
    inTransaction({ db, cache, clock: systemClock, logger: silentLogger, timeZone: testEnv.BUSINESS_TIMEZONE ?? "America/New_York" }, fn),
  );
}

/** A fresh E.164 number no other test uses. */
export function uniquePhone(): string {
  return `+1555${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
}

export function uniqueCode(prefix: string): string {
  return `${prefix}${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
}

/** Calls one tool through the Worker; `data` is the parsed result. */
export async function callTool(name: string, args: Record<string, unknown> = {}, caller?: string) {
  const id = `call_${crypto.randomUUID()}`;
  const { status, json } = await webhook(toolCallsMessage([{ id, name, args }], caller ? { caller } : {}));
  const answer = json.results?.[0];
  if (status !== 200 || answer?.toolCallId !== id) throw new Error(`unexpected answer ${status}: ${JSON.stringify(json)}`);
  // biome-ignore lint/suspicious/noExplicitAny: tests read the parsed result freely.
  const data = answer.result === undefined ? undefined : (JSON.parse(answer.result) as Record<string, any>);
  return { data, error: answer.error };
}

/** Runs raw commands against the Worker's Redis (its key prefix applied), as another isolate would. */
export async function withRedis<T>(fn: (cache: Cache) => Promise<T>): Promise<T> {
  const cache = createRequestRedisCache({
    url: testEnv.REDIS_URL!,
    keyPrefix: testEnv.REDIS_KEY_PREFIX!,
    commandTimeoutMs: 5000,
    connectTimeoutMs: 5000,
  });
  try {
    return await fn(cache);
  } finally {
    await cache.close();
  }
}
