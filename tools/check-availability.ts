/** "When can I come in?": the next open slots, each with the slotId book_appointment takes. */
import { z } from "zod";
import { findAvailability, PARTS_OF_DAY, warmAvailabilityQueries } from "../src/services/appointments/availability.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { fromResult } from "../src/tools/service-result.ts";

export default defineTool({
  name: "check_availability",
  description:
    "Finds the next open appointment times (at most five), each with a slotId to book and a local time to read out. Optionally for one service, one day, or part of the day.",
  parameters: z.object({
    service: z.string().trim().min(1).max(80).optional().describe("Which service, by name; omit for any."),
    date: z
      .string()
      .trim()
      .min(1)
      .max(20)
      .optional()
      .describe('The day: "today", "tomorrow", a weekday such as "tuesday", or YYYY-MM-DD. Omit for the next open times.'),
    partOfDay: z.enum(PARTS_OF_DAY).optional().describe("Only morning (before noon), afternoon (noon to 5 PM) or evening times."),
    limit: z.number().int().min(1).max(5).optional().describe("How many times to return, 1 to 5 (default 5)."),
  }),
  messages: { start: "Let me look at the calendar." },
  warm: (ctx) => warmAvailabilityQueries(ctx),
  handler: async ({ input, ctx }) =>
    fromResult(
      await findAvailability(ctx, { service: input.service, day: input.date, partOfDay: input.partOfDay, limit: input.limit }),
      (a) => (a.slots.length === 0 && !a.nextAvailable?.length ? { ...a, note: "No open times found." } : { ...a }),
    ),
});
