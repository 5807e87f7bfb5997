/** Cancels one of the caller's upcoming appointments; the time is offered to others at once. */
import { z } from "zod";
import { cancelAppointment } from "../src/services/appointments/changes.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "cancel_appointment",
  description: "Cancels the caller's upcoming appointment. Give the confirmation code when the caller has more than one appointment.",
  parameters: z.object({
    confirmationCode: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .optional()
      .describe("The appointment's confirmation code; omit if the caller has only one."),
  }),
  sideEffect: true,
  budgetMs: 1500,
  messages: { start: "Let me cancel that.", failed: "Sorry, I couldn't cancel the appointment." },
  handler: async ({ input, ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    return fromResult(await cancelAppointment(ctx, { callerNumber: caller, confirmationCode: input.confirmationCode }));
  },
});
