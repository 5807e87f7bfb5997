/**
 * The outbox: SMS recorded with the action that caused them, delivered after that action commits.
 * A message is sent again only when it certainly was not sent (SmsNotSentError: the provider was
 * not reached or took nothing), or when it was never tried (the process stopped between the commit
 * and the send): `redeliverDue` picks those up; anything else is recorded `failed`, never re-sent.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Cache } from "../cache/cache.ts";
import { keys } from "../cache/keys.ts";
import type { Database } from "../db/client.ts";
import { outbox } from "../db/schema/index.ts";
import { type Messenger, SmsNotSentError } from "../integrations/sms/messenger.ts";
import type { Logger } from "../lib/logger.ts";
import type { ServiceContext } from "./context.ts";

/** Delivers outbox rows through a messenger, on the pool (never on the finished transaction). */
export interface OutboxRelay {
  readonly messenger: Messenger["kind"];
  deliver(outboxId: string): Promise<void>;
  /**
   * Sends the pending messages that are due (never tried, or not sent and their wait over);
   * resolves with how many were tried. `mayRun`, asked only when some are due, can decline the pass.
   */
  redeliverDue(mayRun?: () => Promise<boolean>): Promise<number>;
}

/** Tries in all; the waits between them are 1, 2, 4 and 8 minutes. */
export const MAX_SMS_ATTEMPTS = 5;
/** A message not tried this long after its commit was left by a stopped process: try it then. */
const NEVER_TRIED_AFTER = sql`interval '1 minute'`;
/** Older messages are not sent any more (a payment link texted an hour after the call helps nobody); they stay pending for an operator. */
const TOO_OLD = sql`interval '1 hour'`;
/** Messages tried per pass. */
const PASS_SIZE = 20;

/** Records an SMS in the outbox (inside the caller's transaction) and has it delivered once that commits. */
export async function queueSms(
  ctx: ServiceContext,
  relay: OutboxRelay,
  message: { to: string; body: string; toolCallId?: string | undefined },
) {
  const [row] = await ctx.db
    .insert(outbox)
    .values({ channel: "sms", recipient: message.to, body: message.body, toolCallId: message.toolCallId ?? null })
    .returning({ id: outbox.id });
  const id = row!.id;
  // Sent after the commit and off the answer's path: a slow provider must not hold what the
  // caller hears past the tool's budget (the row records how the send went).
  ctx.afterCommit(() => {
    const sending = relay.deliver(id);
    if (ctx.defer) ctx.defer(sending, "sms delivery");
    else return sending;
  });
  return id;
}

/**
 * Sends pending outbox rows and records the outcome. With the outbox messenger nothing is sent:
 * rows stay pending for a relay or an operator. The status update claims the row first, so two
 * relays never send the same message.
 */
export function createOutboxRelay(deps: {
  db: Database;
  logger: Logger;
  messenger: Messenger;
  /** Development: print each message kept in the outbox, so it can be seen without an SMS account. */
  showKeptMessages?: boolean;
}): OutboxRelay {
  const deliver = async (id: string): Promise<void> => {
    if (deps.messenger.kind === "outbox") {
      if (deps.showKeptMessages) {
        const [row] = await deps.db.select().from(outbox).where(eq(outbox.id, id));
        if (row)
          deps.logger.info("SMS kept in the outbox (no SMS provider configured; set TWILIO_* to send)", {
            to: row.recipient,
            body: row.body,
          });
      }
      return;
    }
    const [row] = await deps.db
      .update(outbox)
      .set({ status: "sent", sentAt: new Date(), attempts: sql`${outbox.attempts} + 1`, nextAttemptAt: null })
      .where(
        and(eq(outbox.id, id), eq(outbox.status, "pending"), sql`(${outbox.nextAttemptAt} is null or ${outbox.nextAttemptAt} <= now())`),
      )
      .returning();
    if (!row) return;
    let providerId: string;
    try {
      ({ providerId } = await deps.messenger.send({ to: row.recipient, body: row.body }));
    } catch (err) {
      const error = String((err as Error).message ?? err).slice(0, 500);
      if (err instanceof SmsNotSentError && row.attempts < MAX_SMS_ATTEMPTS) {
        const waitMinutes = 2 ** (row.attempts - 1);
        deps.logger.warn("sms not sent; it will be tried again", { outboxId: id, attempts: row.attempts, waitMinutes, err });
        await deps.db
          .update(outbox)
          .set({ status: "pending", sentAt: null, error, nextAttemptAt: sql`now() + make_interval(mins => ${waitMinutes})` })
          .where(eq(outbox.id, id));
        return;
      }
      deps.logger.error("sms delivery failed", { outboxId: id, attempts: row.attempts, err });
      await deps.db.update(outbox).set({ status: "failed", sentAt: null, error }).where(eq(outbox.id, id));
      return;
    }
    // The provider took it: the row stays `sent` whatever happens to this bookkeeping write.
    await deps.db
      .update(outbox)
      .set({ providerId })
      .where(eq(outbox.id, id))
      .catch((err: unknown) => deps.logger.warn("sms sent; its provider id was not recorded", { outboxId: id, providerId, err }));
  };
  const redeliverDue = async (mayRun?: () => Promise<boolean>): Promise<number> => {
    if (deps.messenger.kind === "outbox") return 0;
    const due = await deps.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          eq(outbox.status, "pending"),
          sql`${outbox.createdAt} > now() - ${TOO_OLD}`,
          sql`coalesce(${outbox.nextAttemptAt}, ${outbox.createdAt} + ${NEVER_TRIED_AFTER}) <= now()`,
        ),
      )
      // Newest first: a caller may still be on the line.
      .orderBy(desc(outbox.createdAt))
      .limit(PASS_SIZE);
    if (due.length === 0 || (mayRun && !(await mayRun()))) return 0;
    for (const { id } of due) await deliver(id);
    return due.length;
  };
  return { messenger: deps.messenger.kind, deliver, redeliverDue };
}

const REDELIVERY_INTERVAL_MS = 10_000;

/**
 * Sends the outbox's due messages when a call ends, piggybacking on end-of-call reports so no
 * scheduler is needed, on Node or Workers: one indexed query, and when something is due, a pass
 * at most every 10 seconds across all instances (a cache lock, taken only then, so a look that
 * finds nothing never delays the next). Best effort, off the response path.
 */
export async function redeliverNowAndThen(relay: OutboxRelay, cache: Cache, logger: Logger): Promise<void> {
  try {
    if (relay.messenger === "outbox") return;
    const tried = await relay.redeliverDue(() => cache.setIfAbsent(keys.outboxRedeliveryLock(), "1", REDELIVERY_INTERVAL_MS));
    if (tried > 0) logger.info("outbox messages tried again", { tried });
  } catch (err) {
    logger.warn("outbox redelivery pass failed", { err });
  }
}
