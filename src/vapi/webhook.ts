/**
 * `POST /vapi/webhook`: Vapi's server URL. Reads the raw body under a size limit, verifies the
 * credentials, parses the envelope and answers each message type. Every parsed message gets
 * HTTP 200 with a JSON body; only auth (401), size (413) and non-envelopes (400) do not.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppDeps } from "../deps.ts";
import { jsonError } from "../http/errors.ts";
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

/** Routes under `/vapi`, all behind Vapi authentication. */
export function vapiRoutes(deps: AppDeps) {
  const app = new Hono<Vars>();
  const { config, logger } = deps;

  app.use(
    "*",
    bodyLimit({
      maxSize: config.MAX_BODY_BYTES,
      onError: (c) => jsonError(c, 413, "payload_too_large", `Request bodies are limited to ${config.MAX_BODY_BYTES} bytes.`),
    }),
  );

  app.use("*", async (c, next) => {
    const body = new Uint8Array(await c.req.arrayBuffer());
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
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(c.get("rawBody")));
    } catch {
      return jsonError(c, 400, "invalid_json", "The body is not valid UTF-8 JSON.");
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      return jsonError(c, 400, "invalid_envelope", 'Expected a Vapi server message: { "message": { "type": "...", ... } }.');
    }
    const message = envelope.data.message;
    const target: ServerTarget = {
      url: webhookUrl(config.PUBLIC_URL, c.req.raw),
      secret: deps.auth.secret,
      credentialId: config.VAPI_CREDENTIAL_ID,
    };
    try {
      return c.json(await answer(deps, message, target));
    } catch (err) {
      // Our fault; Vapi still gets a usable 200 answer for the message type.
      logger.error("webhook handler failed", { type: message.type, callId: message.call?.id, err });
      return c.json(fallbackAnswer(message));
    }
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
          clock: deps.clock,
          timeZone: config.BUSINESS_TIMEZONE,
          services: deps.services,
          defer: deps.defer,
          defaultBudgetMs: config.TOOL_BUDGET_MS,
          maxResultChars: config.MAX_RESULT_CHARS,
          maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
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
