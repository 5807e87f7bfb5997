/**
 * Example tool: "Are you open right now?", "What are your hours on Saturday?". The hours are the
 * business's own (assistant.config.ts, shared with the handoff rules), handed to every tool as
 * `ctx.businessHours`. It shows the shape of every tool: a zod schema for the arguments, a
 * budget, filler words, and a handler that reads trusted facts from `ctx` and returns a short
 * object the model can speak.
 */
import { z } from "zod";
import { hoursFor } from "../src/services/business-hours.ts";
import { defineTool, failure } from "../src/tools/define-tool.ts";

export default defineTool({
  name: "get_business_hours",
  description: "Tells whether the business is open now and its opening hours for a given day (today by default).",
  parameters: z.object({
    day: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .optional()
      .describe('The day asked about: a weekday ("saturday"), "tomorrow", "next monday" or a date; omit for today.'),
  }),
  budgetMs: 50,
  messages: { failed: "Sorry, I couldn't look up our opening hours just now." },
  handler: ({ input, ctx }) =>
    hoursFor(ctx.businessHours, ctx.timeZone, ctx.clock.now(), input.day) ??
    failure(`"${input.day}" is not a day I can look up: ask which day they mean (a weekday, tomorrow, or a date).`),
});
