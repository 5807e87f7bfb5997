/**
 * Helpers for the tests that run inside workerd: requests go through the Worker's own fetch
 * handler (src/worker.ts, as wrangler.toml declares it), with the bindings the vitest config
 * gives (Hyperdrive to the run's fresh database, the run's Redis, test secrets).
 */
import { env, exports } from "cloudflare:workers";

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
