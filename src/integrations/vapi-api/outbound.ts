/**
 * Creating outbound work in Vapi's REST API (`POST /campaign`, `POST /call`) from the server and
 * the reminders command: fetch only, so Node and Workers share it. Tests point VAPI_API_URL at a
 * local stand-in of Vapi's API, or inject their own `VapiOutbound`.
 */

/** One request to Vapi's API, as sent (and as `--print` shows it). */
export interface VapiRequest {
  method: "POST";
  path: "/campaign" | "/call";
  body: Record<string, unknown>;
}

export interface VapiOutbound {
  /** Sends one request; resolves with the id Vapi gave the campaign or call. */
  send(request: VapiRequest, signal?: AbortSignal): Promise<{ id: string }>;
}

/** A refused or failed request, naming the operation and Vapi's own message. */
export class VapiOutboundError extends Error {
  override name = "VapiOutboundError";
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function createVapiOutbound(options: { baseUrl: string; apiKey: string; timeoutMs?: number }): VapiOutbound {
  const base = options.baseUrl.replace(/\/+$/, "");
  return {
    async send(request, signal) {
      const operation = `${request.method} ${request.path}`;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
      let res: Response;
      try {
        res = await fetch(`${base}${request.path}`, {
          method: request.method,
          headers: { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(request.body),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (err) {
        throw new VapiOutboundError(
          `${operation}: could not reach ${new URL(base).host} (${err instanceof Error ? err.message : String(err)})`,
        );
      }
      const text = await res.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      if (!res.ok) {
        const said = (body as { message?: unknown } | undefined)?.message;
        const message = Array.isArray(said) ? said.join("; ") : typeof said === "string" ? said : text.slice(0, 300);
        throw new VapiOutboundError(`${operation} failed: HTTP ${res.status}${message ? `: ${message}` : ""}`, res.status);
      }
      const id = (body as { id?: unknown } | undefined)?.id;
      if (typeof id !== "string") throw new VapiOutboundError(`${operation}: Vapi's answer has no id`);
      return { id };
    },
  };
}
