/** "When is my appointment?": the caller's upcoming appointments. */
import { z } from "zod";
import { listAppointments, warmAppointmentQueries } from "../src/services/appointments/my-appointments.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "list_my_appointments",
  description: "Lists the caller's upcoming appointments with their times and confirmation codes.",
  parameters: z.object({}),
  messages: { start: "Let me pull up your appointments." },
  warm: (ctx) => warmAppointmentQueries(ctx),
  handler: async ({ ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    const appointments = await listAppointments(ctx, caller);
    return appointments.length === 0 ? { appointments, note: "No upcoming appointments for this number." } : { appointments };
  },
});
