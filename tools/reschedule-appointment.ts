/** Moves one of the caller's appointments to another open slot, keeping its confirmation code. */
import { z } from "zod";
import { rescheduleAppointment } from "../src/services/appointments/changes.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "reschedule_appointment",
  description:
    "Moves the caller's appointment to a new open slot (a slotId from check_availability). Give the confirmation code when the caller has more than one appointment.",
  parameters: z.object({
    newSlotId: z.string().trim().min(1).max(64).describe("The slotId of the new time, from check_availability."),
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
  messages: { start: "Let me move that for you.", failed: "Sorry, I couldn't change the appointment." },
  handler: async ({ input, ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    return fromResult(await rescheduleAppointment(ctx, { callerNumber: caller, ...input }), (r) => ({ rescheduled: true, ...r }));
  },
});
