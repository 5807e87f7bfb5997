/**
 * `POST /vapi/webhook`: Vapi's server URL. Reads the raw body under a size limit, verifies the
 * credentials, parses the envelope and answers each message type. Every parsed message gets
 * HTTP 200 with a JSON body; only auth (401), size (413) and non-envelopes (400) do not.
 */
import { Hono } from "hono";
import { PRESET_NAMES, type PresetName } from "../assistant/define.ts";
import { decideTransfer, readTransferRequest } from "../assistant/handoff.ts";
import { answerAssistantRequest, assistantSetup } from "../assistant/serve.ts";
import type { AppDeps } from "../deps.ts";
import { jsonError } from "../http/errors.ts";
import { CALL_STATE_KEYS, createCallState } from "../services/call-state.ts";
import { forgetCachedCaller } from "../services/caller-memory.ts";
import { purgeOldTranscripts, readEndOfCallReport, recordEndOfCallReport, recordStatusUpdate } from "../services/calls.ts";
import { createRetryQueue, type RetryQueue } from "../services/retry-later.ts";
import { withIncomingTrace } from "../telemetry/tracing.ts";
import { APOLOGY, dispatchToolCalls } from "../tools/dispatcher.ts";
import type { ServerTarget } from "./assistant.ts";
import { verifyVapiRequest } from "./auth.ts";
import { callFacts, envelopeSchema, readToolCalls, type VapiMessage } from "./envelope.ts";

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
  const retries = createRetryQueue(logger);

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
      json = JSON.parse(utf8.decode(c.get("rawBody")));
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

/** Stores a status update or end-of-call report; a failed write is queued for retries. */
async function recordLifecycle(deps: AppDeps, message: VapiMessage, retries: RetryQueue): Promise<void> {
  const facts = callFacts(message);
  if (!facts.callId) {
    deps.logger.warn("lifecycle message without a call id was not stored", { type: message.type });
    return;
  }
  const identity = {
    callId: facts.callId,
    callerNumber: facts.callerNumber,
    phoneNumberId: facts.phoneNumberId,
    atMs: facts.timestampMs ?? deps.clock.now().getTime(),
  };
  const write = async () => {
    if (message.type === "status-update") {
      const status = typeof message.status === "string" ? message.status : "";
      const endedReason = typeof message.endedReason === "string" ? message.endedReason : undefined;
      await recordStatusUpdate(deps.db, { ...identity, status, endedReason });
      return;
    }
    const { firstDelivery } = await recordEndOfCallReport(deps.db, identity, readEndOfCallReport(message));
    deps.logger.info("call recorded", { callId: facts.callId, firstDelivery });
    if (firstDelivery && facts.callerNumber) await forgetCachedCaller(deps.cache, facts.callerNumber, deps.logger);
    // Not awaited: retention is housekeeping, not part of storing this report.
    if (firstDelivery) void purgeTranscriptsNowAndThen(deps);
  };
  const fields = { type: message.type, callId: facts.callId };
  const attempt = write().catch((err: unknown) => {
    deps.logger.error("call record not stored; retrying in the background", { ...fields, err });
    if (!retries.add("call record", fields, write)) deps.logger.error("call record lost: retry queue full", fields);
  });
  // A hung database must not hold Vapi's request open: past the wait the answer goes out and the
  // write goes on (and, if it fails, into the retries) in the background.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const waited = await Promise.race([
    attempt.then(() => "done" as const),
    new Promise<"pending">((r) => (timer = setTimeout(() => r("pending"), LIFECYCLE_WRITE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  if (waited === "pending") {
    deps.logger.warn("call record write is slow; answering before it finishes", fields);
    deps.defer(attempt, "call record write");
  }
}

/** How long an informational message waits for its call-record write before answering anyway. */
const LIFECYCLE_WRITE_WAIT_MS = 2_000;

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

async function answer(deps: AppDeps, message: VapiMessage, target: () => ServerTarget): Promise<Record<string, unknown>> {
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
          defer: deps.defer,
          defaultBudgetMs: config.TOOL_BUDGET_MS,
          maxResultChars: config.MAX_RESULT_CHARS,
          maxCallsPerMessage: config.MAX_TOOL_CALLS_PER_MESSAGE,
          sideEffectLimitPerMinute: config.SIDE_EFFECT_LIMIT_PER_MINUTE,
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
      const served = await answerAssistantRequest(deps, facts, target());
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
