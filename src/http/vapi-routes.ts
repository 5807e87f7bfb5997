/**
 * `POST /vapi/webhook`: Vapi's server URL. Reads the raw body under a size limit, verifies the
 * credentials, parses the envelope and answers each message type. Every parsed message gets
 * HTTP 200 with a JSON body; only auth (401), size (413) and non-envelopes (400) do not.
 */
import { Hono } from "hono";
import { PRESET_NAMES, type PresetName } from "../assistant/define.ts";
import type { AppDeps } from "../deps.ts";
import { answer, fallbackAnswer } from "../server-messages/answer.ts";
import { answerAssistantRequest } from "../server-messages/assistant-request.ts";
import { recordLifecycle } from "../server-messages/lifecycle.ts";
import { createRetryQueue } from "../services/calls/retry-later.ts";
import { withIncomingTrace } from "../telemetry/tracing.ts";
import { verifyVapiRequest } from "../vapi/auth.ts";
import { envelopeSchema } from "../vapi/envelope.ts";
import { type ServerTarget, serverAuthFor } from "../vapi/server-target.ts";
import { readBodyWithin } from "./body.ts";
import { jsonError } from "./errors.ts";

type Vars = { Variables: { rawBody: Uint8Array } };

/** Strict UTF-8 (invalid bytes are refused, not replaced); one decoder, reused: building one per request showed in profiles. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

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
  const retries = createRetryQueue(logger);

  app.use("*", async (c, next) => {
    const body = await readBodyWithin(c.req.raw, config.MAX_BODY_BYTES);
    if (body === "too-large") {
      return jsonError(c, "payload_too_large", `Request bodies are limited to ${config.MAX_BODY_BYTES} bytes.`);
    }
    const outcome = await verifyVapiRequest(deps.auth, { header: (n) => c.req.header(n), body, nowMs: deps.clock.now().getTime() });
    if (!outcome.ok) {
      logger.warn("vapi auth rejected", { reason: outcome.reason, path: c.req.path });
      return jsonError(c, "unauthorized", "Missing or invalid Vapi credentials.");
    }
    c.set("rawBody", body);
    await next();
  });

  app.post("/webhook", async (c) => {
    let json: unknown;
    try {
      json = JSON.parse(utf8.decode(c.get("rawBody")));
    } catch {
      return jsonError(c, "invalid_json", "The body is not valid UTF-8 JSON.");
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      return jsonError(c, "invalid_envelope", 'Expected a Vapi server message: { "message": { "type": "...", ... } }.');
    }
    const message = envelope.data.message;
    deps.metrics.webhookMessage(message.type);
    if (message.type === "status-update" && message.call?.id && typeof message.status === "string") {
      deps.metrics.callStatus(message.call.id, message.status);
    }
    if (message.type === "status-update" || message.type === "end-of-call-report") {
      // Informational: written before answering; if the write fails it is retried in the
      // background and Vapi still gets its 200 (see the ADR on call records).
      await recordLifecycle(deps, message, retries);
      return c.json({});
    }
    // Only assistant-request needs it, and building it parses the request URL.
    const target = () => serverTarget(deps, c.req.raw);
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

  /** The assistant a call would get now, for review: `?caller=+1555...&preset=dispatch&phoneNumberId=...`. */
  app.get("/assistant", async (c) => {
    const preset = c.req.query("preset");
    if (preset !== undefined && !PRESET_NAMES.includes(preset as PresetName)) {
      return jsonError(c, "invalid_preset", `Unknown preset "${preset}". Presets: ${PRESET_NAMES.join(", ")}.`);
    }
    const served = await answerAssistantRequest(
      deps,
      { callerNumber: c.req.query("caller"), phoneNumberId: c.req.query("phoneNumberId") },
      serverTarget(deps, c.req.raw),
      preset as PresetName | undefined,
    );
    return c.json({ preset: served.preset, personalization: served.personalization, response: served.response });
  });

  return app;
}

function serverTarget(deps: AppDeps, req: Request): ServerTarget {
  return { url: webhookUrl(deps.config.PUBLIC_URL, req), auth: serverAuthFor(deps.config, deps.auth.secret) };
}
