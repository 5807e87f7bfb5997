/** "Stop calling me": puts the callee's own number on the do-not-call list, so no campaign dials it again. */
import { z } from "zod";
import { addToDoNotCall } from "../src/services/campaigns/do-not-call.ts";
import { defineTool, failure } from "../src/tools/define-tool.ts";
import { callerOf } from "../src/tools/service-result.ts";

export default defineTool({
  name: "opt_out_of_calls",
  description:
    "Stops all future calls from this business to the person on the line (reminders and campaigns). Use it when they ask not to be called again, e.g. 'stop calling me' or 'take me off your list'. Confirm once before calling it.",
  parameters: z.object({
    // Cut, not refused: a long reason must never stop the opt-out itself.
    reason: z
      .string()
      .trim()
      .transform((r) => r.slice(0, 200))
      .optional()
      .describe("The person's own words, if they gave a reason (200 characters are kept)."),
  }),
  sideEffect: true,
  budgetMs: 1500,
  messages: { start: "Of course.", failed: "Sorry, I couldn't update that just now. Please call us back and we'll take care of it." },
  handler: async ({ input, ctx }) => {
    // The number comes from the call (the callee of an outbound call), never from the model.
    const number = callerOf(ctx);
    if (!number) {
      return failure(
        "I can't see the number you're calling from, so I can't take it off our list from this call. Please tell us the number to remove, or call from it.",
      );
    }
    const entry = await addToDoNotCall(ctx.db, { number, source: "call", reason: input.reason, callId: ctx.callId });
    ctx.logger.info("number opted out of calls", { callId: ctx.callId, created: entry.created });
    return "Done. This number won't get any more calls from us. Is there anything else I can help with?";
  },
});
