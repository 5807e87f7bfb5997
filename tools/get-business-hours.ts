/**
 * Example tool: "Are you open right now?" Edit `HOURS` for your business. It shows the shape of
 * every tool: a zod schema for the arguments, a budget, filler messages, and a handler that
 * reads trusted facts from `ctx` and returns a short object the model can speak.
 */
import { z } from "zod";
import { defineTool } from "../src/tools/define-tool.ts";

/** Opening hours per weekday in the business's time zone (24 h clock); missing days are closed. */
const HOURS: Record<string, { open: string; close: string }> = {
  Monday: { open: "08:00", close: "18:00" },
  Tuesday: { open: "08:00", close: "18:00" },
  Wednesday: { open: "08:00", close: "18:00" },
  Thursday: { open: "08:00", close: "18:00" },
  Friday: { open: "08:00", close: "17:00" },
  Saturday: { open: "09:00", close: "13:00" },
};

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
    const now = ctx.clock.now();
    const local = new Intl.DateTimeFormat("en-US", {
      timeZone: ctx.timeZone,
      weekday: "long",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(now);
    const part = (type: string) => local.find((p) => p.type === type)?.value ?? "";
    const today = part("weekday");
    const time = `${part("hour")}:${part("minute")}`;
    const day = input.day ?? today;
    const hours = HOURS[day];
    const openNow = day === today && hours !== undefined && time >= hours.open && time < hours.close;
    return {
      day,
      hours: hours ? `${hours.open} to ${hours.close}` : "closed all day",
      ...(day === today ? { openNow, localTime: time } : {}),
      timeZone: ctx.timeZone,
    };
  },
});
