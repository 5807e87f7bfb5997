/**
 * Example tool: "Are you open right now?" The hours themselves live in `assistant.config.ts`
 * (the handoff rules use them too). It shows the shape of every tool: a zod schema for the
 * arguments, a budget, filler messages, and a handler that reads trusted facts from `ctx` and
 * returns a short object the model can speak.
 */
import { z } from "zod";
import assistantConfig from "../assistant.config.ts";
import { localTime } from "../src/assistant/business-hours.ts";
import { defineTool } from "../src/tools/define-tool.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

export default defineTool({
  name: "get_business_hours",
  description: "Tells whether the business is open now and its opening hours for a given day (today by default).",
  parameters: z.object({
    day: z.enum(DAYS).optional().describe("Weekday to ask about; omit for today."),
  }),
  budgetMs: 50,
  messages: { failed: "Sorry, I couldn't look up our opening hours just now." },
  handler: ({ input, ctx }) => {
    const { weekday: today, time } = localTime(ctx.clock.now(), ctx.timeZone);
    const day = input.day ?? today;
    const hours = assistantConfig.businessHours[day];
    const openNow = day === today && hours !== undefined && time >= hours.open && time < hours.close;
    return {
      day,
      hours: hours ? `${hours.open} to ${hours.close}` : "closed all day",
      ...(day === today ? { openNow, localTime: time } : {}),
      timeZone: ctx.timeZone,
    };
  },
});
