/**
 * `POST /vapi/webhook`: Vapi's server URL. Reads the raw body under a size limit, verifies the
 * credentials, parses the envelope and answers each message type. Every parsed message gets
 * HTTP 200 with a JSON body; only auth (401), size (413), non-envelopes (400) and a call record
 * whose write did not commit (503, so Vapi delivers it again) do not.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { PRESET_NAMES, type PresetName } from "../assistant/define.ts";
import { decideTransfer, readTransferRequest } from "../assistant/handoff.ts";
import { answerAssistantRequest, assistantSetup } from "../assistant/serve.ts";
import type { AppDeps } from "../deps.ts";
import { jsonError } from "../http/errors.ts";
import { CALL_STATE_KEYS, createCallState } from "../services/call-state.ts";
import { forgetCachedCaller } from "../services/caller-memory.ts";
import { purgeOldTranscripts, readEndOfCallReport, recordEndOfCallReport, recordStatusUpdate } from "../services/calls.ts";
import { APOLOGY, dispatchToolCalls } from "../tools/dispatcher.ts";
import type { ServerTarget } from "./assistant.ts";
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
      json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(c.get("rawBody")));
    } catch {
      return jsonError(c, 400, "invalid_json", "The body is not valid UTF-8 JSON.");
    }
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) {
      return jsonError(c, 400, "invalid_envelope", 'Expected a Vapi server message: { "message": { "type": "...", ... } }.');
    }
    const message = envelope.data.message;
    if (message.type === "status-update" || message.type === "end-of-call-report") {
      // Informational: Vapi ignores the body. 200 acknowledges a committed write; 503 asks
      // Vapi to deliver again (the assistant's server has a backoff plan, and the upsert is idempotent).
      return (await recordLifecycle(deps, message))
        ? c.json({})
        : jsonError(c, 503, "not_stored", "The call record could not be stored; please retry.");
    }
    const target = serverTarget(deps, c.req.raw);
    try {
      return c.json(await answer(deps, message, target));
    } catch (err) {
      // Our fault; Vapi still gets a usable 200 answer for the message type.
      logger.error("webhook handler failed", { type: message.type, callId: message.call?.id, err });
      return c.json(fallbackAnswer(message));
    }
  });

  /** The assistant a call would get now, for review: `?caller=+1555...&preset=dispatch&phoneNumberId=...`. */
  app.get("/assistant", async (c) => {
    const preset = c.req.query("preset");
    if (preset !== undefined && !PRESET_NAMES.includes(preset as PresetName)) {
      return jsonError(c, 400, "invalid_preset", `Unknown preset "${preset}". Presets: ${PRESET_NAMES.join(", ")}.`);
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
  return { url: webhookUrl(deps.config.PUBLIC_URL, req), secret: deps.auth.secret, credentialId: deps.config.VAPI_CREDENTIAL_ID };
}

/**
 * Stores a status update or end-of-call report. True once committed (or when there is nothing
 * to store: no call id, an unknown status); false when the write failed.
 */
async function recordLifecycle(deps: AppDeps, message: VapiMessage): Promise<boolean> {
  const facts = callFacts(message);
  if (!facts.callId) {
    deps.logger.warn("lifecycle message without a call id was not stored", { type: message.type });
    return true;
  }
  const identity = {
    callId: facts.callId,
    callerNumber: facts.callerNumber,
    phoneNumberId: facts.phoneNumberId,
    atMs: facts.timestampMs ?? deps.clock.now().getTime(),
  };
  try {
    if (message.type === "status-update") {
      const status = typeof message.status === "string" ? message.status : "";
      const endedReason = typeof message.endedReason === "string" ? message.endedReason : undefined;
      await recordStatusUpdate(deps.db, { ...identity, status, endedReason });
      return true;
    }
    const { firstDelivery } = await recordEndOfCallReport(deps.db, identity, readEndOfCallReport(message));
    deps.logger.info("call recorded", { callId: facts.callId, firstDelivery });
    if (firstDelivery && facts.callerNumber) await forgetCachedCaller(deps.cache, facts.callerNumber, deps.logger);
    // Not awaited: retention is housekeeping, not part of acknowledging this report.
    if (firstDelivery) void purgeTranscriptsNowAndThen(deps);
    return true;
  } catch (err) {
    deps.logger.error("call record not stored", { type: message.type, callId: facts.callId, err });
    return false;
  }
}

const RETENTION_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Applies TRANSCRIPT_RETENTION_DAYS at most once an hour across all instances (a cache lock),
 * piggybacking on end-of-call reports so no scheduler is required. Off the response path and
 * best effort: a missed run is caught up by the next one (or by `npm run calls:purge`).
 */
async function purgeTranscriptsNowAndThen(deps: AppDeps): Promise<void> {
  try {
    if (deps.config.TRANSCRIPT_RETENTION_DAYS <= 0) return;
    if (!(await deps.cache.setIfAbsent("retention:transcripts", "1", RETENTION_INTERVAL_MS))) return;
    const purged = await purgeOldTranscripts(deps.db, deps.clock.now(), deps.config.TRANSCRIPT_RETENTION_DAYS);
    if (purged > 0) deps.logger.info("old transcripts deleted", { purged, retentionDays: deps.config.TRANSCRIPT_RETENTION_DAYS });
  } catch (err) {
    deps.logger.warn("transcript retention run failed", { err });
  }
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
          defaultBudgetMs: config.TOOL_BUDGET_MS,
          maxResultChars: config.MAX_RESULT_CHARS,
          maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
          callStateTtlMs: config.CALL_STATE_TTL_SECONDS * 1000,
          callerMemoryTtlMs: config.CALLER_PROFILE_TTL_SECONDS * 1000,
          failuresBeforeHandoff: config.TOOL_FAILURES_BEFORE_HANDOFF,
        },
        callFacts(message),
        calls,
      );
      return { results };
    }
    case "assistant-request": {
      const facts = callFacts(message);
      const served = await answerAssistantRequest(deps, facts, target);
      deps.logger.info("assistant served", { callId: facts.callId, preset: served.preset, ...served.personalization });
      return served.response as Record<string, unknown>;
    }
    case "transfer-destination-request":
      return (await transfer(deps, message)) as Record<string, unknown>;
    case "knowledge-base-request":
      return { documents: [] };
    default:
      // Every other informational or future type.
      return {};
  }
}

/** Routes a transfer by the rules in the assistant configuration (see src/assistant/handoff.ts). */
async function transfer(deps: AppDeps, message: VapiMessage) {
  const { config } = assistantSetup(deps);
  const facts = callFacts(message);
  const state = createCallState(deps.cache, facts.callId, deps.config.CALL_STATE_TTL_SECONDS * 1000, deps.logger);
  const wanted = (await state.get<{ department?: string; reason?: string }>(CALL_STATE_KEYS.handoff)) ?? {};
  const asked = readTransferRequest(message);
  const decision = decideTransfer(
    {
      handoff: config.handoff,
      businessHours: config.businessHours,
      timeZone: deps.config.BUSINESS_TIMEZONE,
      fallbackDestination: deps.config.TRANSFER_NUMBER,
      fallbackMessage: deps.config.TRANSFER_MESSAGE,
    },
    { department: wanted.department ?? asked.department, reason: wanted.reason ?? asked.reason, recentCallerText: asked.recentCallerText },
    deps.clock.now(),
  );
  deps.logger.info("transfer decided", { callId: facts.callId, rule: decision.rule, matchedBy: decision.matchedBy, open: decision.open });
  return decision.response;
}

function fallbackAnswer(message: VapiMessage): Record<string, unknown> {
  if (message.type === "tool-calls") {
    return { results: readToolCalls(message).calls.map((call) => ({ toolCallId: call.toolCallId, name: call.name, error: APOLOGY })) };
  }
  if (message.type === "assistant-request" || message.type === "transfer-destination-request") return { error: APOLOGY };
  return {};
}
