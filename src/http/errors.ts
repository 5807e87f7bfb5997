import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the HTTP edge answers with, and its status: the one mapping (Vapi protocol
 * answers are not errors: they are HTTP 200 bodies built in src/server-messages/).
 */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid: 400,
  invalid_json: 400,
  invalid_envelope: 400,
  invalid_preset: 400,
  invalid_signature: 400,
  invalid_token: 400,
  body_aborted: 400,
  unauthorized: 401,
  not_found: 404,
  unknown_request: 404,
  conflict: 409,
  payment_id_reused: 409,
  already_paid: 409,
  invoice_not_open: 409,
  body_timeout: 408,
  expired: 410,
  payload_too_large: 413,
  amount_mismatch: 422,
  internal: 500,
  upstream_failed: 502,
  unavailable: 503,
  api_disabled: 503,
  busy: 503,
  not_stored: 503,
  misconfigured: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The one error envelope of the HTTP edge: `{ error: { code, message } }` with the code's status. */
export function jsonError(c: Context, code: ErrorCode, message: string, headers?: Record<string, string>) {
  return c.json({ error: { code, message } }, ERROR_STATUS[code], headers);
}
