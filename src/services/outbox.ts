/** The outbox: SMS recorded with the action that caused them, delivered after that action commits. */
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client.ts";
import { outbox } from "../db/schema/index.ts";
import type { Messenger } from "../integrations/sms/messenger.ts";
import type { Logger } from "../lib/logger.ts";
import type { ServiceContext } from "./context.ts";

/** Delivers outbox rows through a messenger, on the pool (never on the finished transaction). */
export interface OutboxRelay {
  readonly messenger: Messenger["kind"];
  deliver(outboxId: string): Promise<void>;
}

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
  ctx.afterCommit(() => relay.deliver(id));
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
  return {
    messenger: deps.messenger.kind,
    async deliver(id) {
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
        .set({ status: "sent", sentAt: new Date() })
        .where(and(eq(outbox.id, id), eq(outbox.status, "pending")))
        .returning();
      if (!row) return;
      try {
        const { providerId } = await deps.messenger.send({ to: row.recipient, body: row.body });
        await deps.db.update(outbox).set({ providerId }).where(eq(outbox.id, id));
      } catch (err) {
        deps.logger.error("sms delivery failed", { outboxId: id, err });
        await deps.db
          .update(outbox)
          .set({ status: "failed", sentAt: null, error: String((err as Error).message ?? err).slice(0, 500) })
          .where(eq(outbox.id, id));
      }
    },
  };
}
