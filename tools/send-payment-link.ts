/** "I want to pay my bill": texts the caller a secure, expiring payment link. No card data on the call. */
import { z } from "zod";
import { sendPaymentLink } from "../src/services/billing/payment-links.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "send_payment_link",
  description:
    "Texts the caller a secure link to pay an open invoice (the amount comes from our records). Use it whenever the caller wants to pay; never take card details on the call.",
  parameters: z.object({
    invoiceId: z.string().trim().min(1).max(40).optional().describe("The invoice number (e.g. INV-1001); omit for the invoice due first."),
  }),
  sideEffect: true,
  // May call the payment provider's API (Stripe) before answering.
  budgetMs: 5000,
  messages: {
    start: "I'll text you a secure link.",
    delayed: "Still setting up your link, one moment.",
    failed: "Sorry, I couldn't send the payment link.",
  },
  handler: async ({ input, ctx, signal }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    signal.throwIfAborted();
    return fromResult(
      await sendPaymentLink(ctx, ctx.services, { callerNumber: caller, invoiceId: input.invoiceId, idempotencyKey: ctx.toolCallId }),
    );
  },
});
