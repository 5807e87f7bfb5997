/**
 * `POST /vapi/webhook`: Vapi's server URL. Reads the raw body under a size limit, verifies the
 * credentials, parses the envelope and answers each message type. Every parsed message gets
 * HTTP 200 with a JSON body; only auth (401), size (413) and non-envelopes (400) do not.
 */
import { Hono } from "hono";
import type { AppDeps } from "../deps.ts";
import { jsonError } from "../http/errors.ts";
import { withIncomingTrace } from "../telemetry/tracing.ts";
import { APOLOGY, dispatchToolCalls } from "../tools/dispatcher.ts";
import { buildAssistant, type ServerTarget } from "./assistant.ts";
import { verifyVapiRequest } from "./auth.ts";
import { callFacts, envelopeSchema, readToolCalls, type VapiMessage } from "./envelope.ts";

type Vars = { Variables: { rawBody: Uint8Array } };

/** The webhook URL Vapi should call: PUBLIC_URL when set, else what the request itself came to. */
export function webhookUrl(publicUrl: string | undefined, req: Request): string {
  if (publicUrl) return `${publicUrl.replace(/\/+$/, "")}/vapi/webhook`;
  const url = new URL(req.url);
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() ?? url.protocol.replace(":", "");
  const host = req.headers.get("x-forwarded-host")?.split(",")[0]?.trim() ?? req.headers.get("host") ?? url.host;
  return `${proto}://${host}/vapi/webhook`;
}

/**
 * Reads the raw body, refusing more than `maxBytes`. A declared Content-Length is checked before
 * reading; a chunked body is read incrementally and abandoned past the limit. (Hono's bodyLimit
 * middleware does the same but re-wraps every request, which cost 5x the throughput on Node.)
 */
export async function readBodyWithin(req: Request, maxBytes: number): Promise<Uint8Array | "too-large"> {
  const declared = req.headers.get("content-length");
  if (declared !== null && !req.headers.has("transfer-encoding")) {
    if (Number(declared) > maxBytes) return "too-large";
    const bytes = new Uint8Array(await req.arrayBuffer());
    return bytes.length > maxBytes ? "too-large" : bytes;
  }
  if (!req.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      return "too-large";
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Routes under `/vapi`, all behind Vapi authentication. */
export function vapiRoutes(deps: AppDeps) {
  const app = new Hono<Vars>();
  const { config, logger } = deps;

  app.use("*", async (c, next) => {
    const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
    if (body === "too-large") {
      return jsonError(c, 413, "payload_too_large", `Request bodies are limited to ${config.MAX_BODY_BYTES} bytes.`);
    }
    const outcome = await verifyVapiRequest(deps.auth, { header: (n) => c.req.header(n), body, nowMs: deps.clock.now().getTime() });
    if (!outcome.ok) {
      logger.warn("vapi auth rejected", { reason: outcome.reason, path: c.req.path });
      return jsonError(c, 401, "unauthorized", "Missing or invalid Vapi credentials.");
    }
    c.set("rawBody", body);
    await next();
  });

  app.post("/webhook", async (c) => {
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(c.get("rawBody")));
    } catch {
      return jsonError(c, 400, "invalid_json", "The body is not valid UTF-8 JSON.");
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      return jsonError(c, 400, "invalid_envelope", 'Expected a Vapi server message: { "message": { "type": "...", ... } }.');
    }
    const message = envelope.data.message;
    deps.metrics.webhookMessage(message.type);
    if (message.type === "status-update" && message.call?.id && typeof message.status === "string") {
      deps.metrics.callStatus(message.call.id, message.status);
    }
    const target: ServerTarget = {
      url: webhookUrl(config.PUBLIC_URL, c.req.raw),
      secret: deps.auth.secret,
      credentialId: config.VAPI_CREDENTIAL_ID,
    };
    const body = await withIncomingTrace(
      `vapi ${message.type}`,
      (n) => c.req.header(n),
      async () => {
        try {
          return await answer(deps, message, target);
        } catch (err) {
          // Our fault; Vapi still gets a usable 200 answer for the message type.
          logger.error("webhook handler failed", { type: message.type, callId: message.call?.id, err });
          return fallbackAnswer(message);
        }
      },
    );
    return c.json(body);
  });

  return app;
}

async function answer(deps: AppDeps, message: VapiMessage, target: ServerTarget): Promise<Record<string, unknown>> {
  const { config } = deps;
  switch (message.type) {
    case "tool-calls": {
      const { calls, unusable } = readToolCalls(message);
      if (unusable > 0) deps.logger.warn("tool calls without an id were skipped", { count: unusable, callId: message.call?.id });
      const results = await dispatchToolCalls(
        {
          registry: deps.registry,
          db: deps.db,
          cache: deps.cache,
          logger: deps.logger,
          metrics: deps.metrics,
          clock: deps.clock,
          timeZone: config.BUSINESS_TIMEZONE,
          services: deps.services,
          defaultBudgetMs: config.TOOL_BUDGET_MS,
          maxResultChars: config.MAX_RESULT_CHARS,
          maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
          sideEffectLimitPerMinute: config.SIDE_EFFECT_LIMIT_PER_MINUTE,
        },
        callFacts(message),
        calls,
      );
      return { results };
    }
    case "assistant-request":
      return {
        assistant: buildAssistant(deps.registry.list(), target, {
          businessName: config.BUSINESS_NAME,
          timeZone: config.BUSINESS_TIMEZONE,
          defaultBudgetMs: config.TOOL_BUDGET_MS,
        }),
      };
    case "transfer-destination-request":
      return transferDestination(config.TRANSFER_NUMBER, config.TRANSFER_MESSAGE);
    case "knowledge-base-request":
      return { documents: [] };
    default:
      // status-update, end-of-call-report and every informational or future type.
      return {};
  }
}

/** The configured human destination, as a phone number or a SIP URI. */
export function transferDestination(destination: string | undefined, spoken: string): Record<string, unknown> {
  if (!destination) return { error: "Sorry, nobody is available to take your call right now. Please call back during business hours." };
  const target = destination.startsWith("sip") ? { type: "sip", sipUri: destination } : { type: "number", number: destination };
  return { destination: { ...target, message: spoken }, message: { type: "request-start", content: spoken } };
}

function fallbackAnswer(message: VapiMessage): Record<string, unknown> {
  if (message.type === "tool-calls") {
    return { results: readToolCalls(message).calls.map((call) => ({ toolCallId: call.toolCallId, name: call.name, error: APOLOGY })) };
  }
  if (message.type === "assistant-request" || message.type === "transfer-destination-request") return { error: APOLOGY };
  return {};
}
