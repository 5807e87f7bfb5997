/** "Yes, I'll be there": confirms the caller's upcoming appointment (the answer to a reminder call). */
import { z } from "zod";
import { confirmAppointment } from "../src/services/appointments/confirmation.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "confirm_appointment",
  description:
    "Confirms that the caller will come to their upcoming appointment, e.g. when they answer a reminder with 'yes, I'll be there'. Give the confirmation code when they have more than one.",
  parameters: z.object({
    confirmationCode: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .optional()
      .describe("The appointment's confirmation code; omit if they have only one."),
  }),
  sideEffect: true,
  budgetMs: 1500,
  messages: { failed: "Sorry, I couldn't note that just now, but your appointment is still booked." },
  handler: async ({ input, ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    return fromResult(await confirmAppointment(ctx, { callerNumber: caller, confirmationCode: input.confirmationCode }));
  },
});
