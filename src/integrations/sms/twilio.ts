/** SMS through Twilio's Messages REST API over fetch (no SDK: one form POST, and it runs on Workers). */
import { withoutTrailingSlashes } from "../../lib/urls.ts";
import { type Messenger, type SmsMessage, SmsNotSentError } from "./messenger.ts";

/** Connection failures before any request reached Twilio. */
const NEVER_REACHED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);

export interface TwilioOptions {
  accountSid: string;
  authToken: string;
  /** An E.164 sender number, or a Messaging Service SID (MG...). */
  from: string;
  /** Tests point this at a local server standing in for Twilio. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class TwilioError extends Error {
  override name = "TwilioError";
  constructor(
    message: string,
    readonly status: number,
    readonly code?: number,
  ) {
    super(message);
  }
}

export function createTwilioMessenger(options: TwilioOptions): Messenger {
  const base = withoutTrailingSlashes(options.baseUrl ?? "https://api.twilio.com");
  const doFetch = options.fetch ?? fetch;
  const auth = `Basic ${btoa(`${options.accountSid}:${options.authToken}`)}`;
  return {
    kind: "twilio",
    async send(message: SmsMessage, signal?: AbortSignal) {
      const form = new URLSearchParams({ To: message.to, Body: message.body });
      if (options.from.startsWith("MG")) form.set("MessagingServiceSid", options.from);
      else form.set("From", options.from);
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 5_000);
      let res: Response;
      try {
        res = await doFetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`, {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
          body: form.toString(),
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (err) {
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        if (typeof code === "string" && NEVER_REACHED.has(code)) throw new SmsNotSentError(`Twilio was not reached (${code})`);
        throw err;
      }
      const json = (await res.json().catch(() => ({}))) as { sid?: string; message?: string; code?: number };
      // Too many requests: Twilio took none of them.
      if (res.status === 429) throw new SmsNotSentError(`Twilio answered 429: ${json.message ?? "too many requests"}`);
      if (!res.ok || typeof json.sid !== "string") {
        throw new TwilioError(`Twilio answered ${res.status}: ${json.message ?? "no message"}`, res.status, json.code);
      }
      return { providerId: json.sid };
    },
  };
}
