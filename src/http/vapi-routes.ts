/**
 * `POST /vapi/webhook`: Vapi's server URL. Checks the credentials it can from the headers, reads
 * the raw body within size, time and memory bounds (docs/adr/0009-bounded-memory-on-the-webhook.md),
 * verifies an HMAC signature, parses the envelope and answers each message type. Every parsed
 * message gets HTTP 200 with a JSON body, except a call record that was neither committed nor
 * spooled (503: Vapi delivers it again). Before parsing: 401 (credentials), 413 (size), 408 (a
 * body too slow to arrive), 503 with Retry-After (the memory budget is taken now), 400 (not an envelope).
 */
import { type Context, Hono } from "hono";
import { PRESET_NAMES, type PresetName } from "../assistant/define.ts";
import type { AppDeps } from "../deps.ts";
import { type ByteBudget, LARGE_BODY_SHARE, Lease, parsedCost, rawCost, SMALL_BODY_BYTES } from "../lib/byte-budget.ts";
import { answerMessage, fallbackAnswer } from "../server-messages/answer.ts";
import { answerAssistantRequest } from "../server-messages/assistant-request.ts";
import { recordLifecycle, type UnsettledWrites } from "../server-messages/lifecycle.ts";
import { withIncomingTrace } from "../telemetry/tracing.ts";
import { verifyVapiHeaders, verifyVapiRequest } from "../vapi/auth.ts";
import { envelopeSchema } from "../vapi/envelope.ts";
import { type ServerTarget, serverAuthFor } from "../vapi/server-target.ts";
import { declaredLength, readBodyWithin } from "./body.ts";
import { jsonError } from "./errors.ts";

type Vars = { Variables: { rawBody: Uint8Array } };

/** Strict UTF-8 (invalid bytes are refused, not replaced); one decoder, reused rather than built per request. */
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
  const unsettled: UnsettledWrites = { count: 0 };
  const { verified, unverified } = deps.bodyBudgets;

  // A refusal leaves the unread body to the runtime, which drains and discards it (Node: up to
  // 500 ms). Closing the connection instead loses answers (ADR 9).
  /** 503 with Retry-After: Vapi (with a backoff plan) sends it again; nothing was read or done. */
  const busy = (c: Context<Vars>, lease: Lease, what: string) => {
    const { used, limit } = lease.budget;
    logger.warn("webhook body refused: memory budget taken", { what, path: c.req.path, used, limit, verified: lease.budget === verified });
    return jsonError(c, "busy", "The server is busy with other large requests; retry shortly.", { "retry-after": RETRY_AFTER_SECONDS });
  };
  const tooLarge = (c: Context<Vars>, message = `Request bodies are limited to ${config.MAX_BODY_BYTES} bytes.`) =>
    jsonError(c, "payload_too_large", message);
  const unauthorized = (c: Context<Vars>, reason: string) => {
    logger.warn("vapi auth rejected", { reason, path: c.req.path });
    return jsonError(c, "unauthorized", "Missing or invalid Vapi credentials.");
  };

  app.use("*", async (c, next) => {
    const header = (n: string) => c.req.header(n);
    const nowMs = deps.clock.now().getTime();
    // The secret and bearer schemes are decided before a byte of the body is read.
    const early = verifyVapiHeaders(deps.auth, { header, nowMs });
    if (early !== "needs-body" && !early.ok) return unauthorized(c, early.reason);
    const declared = declaredLength(c.req.raw);
    if (declared !== undefined && declared > config.MAX_BODY_BYTES) return tooLarge(c);
    // Not yet verified (HMAC): the raw bytes come from a small budget of their own.
    let lease = leaseFor(early === "needs-body" ? unverified : verified, declared);
    try {
      if (declared !== undefined && rawCost(declared) > lease.ceiling) return tooLarge(c, TOO_LARGE_TO_PROCESS);
      if (declared !== undefined && !lease.growTo(rawCost(declared))) return busy(c, lease, "declared body");
      const body = await readBodyWithin(c.req.raw, { maxBytes: config.MAX_BODY_BYTES, timeoutMs: config.BODY_READ_TIMEOUT_MS, lease });
      if (body === "too-large") return tooLarge(c);
      if (body === "over-budget") return busy(c, lease, "streamed body");
      if (body === "never-fits") return tooLarge(c, TOO_LARGE_TO_PROCESS);
      if (body === "timeout") {
        logger.warn("webhook body too slow; refused", { path: c.req.path, timeoutMs: config.BODY_READ_TIMEOUT_MS });
        return jsonError(c, "body_timeout", `The request body did not arrive within ${config.BODY_READ_TIMEOUT_MS} ms.`);
      }
      if (body === "aborted") return jsonError(c, "body_aborted", "The request body could not be read.");
      if (early === "needs-body") {
        const outcome = await verifyVapiRequest(deps.auth, { header, body, nowMs });
        if (!outcome.ok) return unauthorized(c, outcome.reason);
        lease.release();
        lease = leaseFor(verified, body.length);
      }
      // What parsing and handling will cost, held until the answer is built.
      const cost = parsedCost(body);
      if (cost > lease.ceiling) return tooLarge(c, TOO_LARGE_TO_PROCESS);
      if (!lease.growTo(cost)) return busy(c, lease, "parsed body");
      c.set("rawBody", body);
      await next();
    } finally {
      lease.release();
    }
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
      // Acknowledged once committed or spooled; otherwise Vapi is asked to send it again (see the ADR on call records).
      const outcome = await recordLifecycle(deps, message, unsettled);
      if (outcome === "refused") {
        return jsonError(c, "not_stored", "The call record could not be stored now; send it again.", {
          "retry-after": RETRY_AFTER_SECONDS,
        });
      }
      return c.json({});
    }
    // Only assistant-request needs it, and building it parses the request URL.
    const target = () => serverTarget(deps, c.req.raw);
    const body = await withIncomingTrace(
      `vapi ${message.type}`,
      (n) => c.req.header(n),
      async () => {
        try {
          return await answerMessage(deps, message, target);
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

const TOO_LARGE_TO_PROCESS = "The request body is too large to process within the memory budget (BODY_MEMORY_BUDGET_BYTES).";

/** Seconds Vapi is asked to wait before sending a refused request again. */
const RETRY_AFTER_SECONDS = "2";

/** A lease on `budget`; a large body may not take its last share, which stays for small ones (tool calls). */
function leaseFor(budget: ByteBudget, size: number | undefined): Lease {
  const large = size === undefined || size > SMALL_BODY_BYTES;
  return new Lease(budget, large ? Math.floor(budget.limit * LARGE_BODY_SHARE) : budget.limit);
}

function serverTarget(deps: AppDeps, req: Request): ServerTarget {
  return { url: webhookUrl(deps.config.PUBLIC_URL, req), auth: serverAuthFor(deps.config, deps.auth.secret) };
}
