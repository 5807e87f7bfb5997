/** "Is my shipment delayed?": one shipment by tracking number, or the caller's latest ones. */
import { z } from "zod";
import { getShipmentStatus, listCallerShipments, warmShipmentQueries } from "../src/services/shipments/status.ts";
import { defineTool, failure } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "get_shipment_status",
  description:
    "Looks up where a shipment is: status, location, estimated delivery, and whether and why it is delayed. Give the tracking number if the caller has one; without it, returns the caller's most recent shipments.",
  parameters: z.object({
    trackingNumber: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .optional()
      .describe("The tracking number, letters and digits as the caller reads them."),
  }),
  messages: { start: "Let me check on that shipment.", failed: "Sorry, I couldn't reach our tracking system just now." },
  warm: (ctx) => warmShipmentQueries(ctx),
  handler: async ({ input, ctx }) => {
    if (input.trackingNumber) return fromResult(await getShipmentStatus(ctx, input.trackingNumber));
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    const shipments = await listCallerShipments(ctx, caller);
    if (shipments.length === 0)
      return failure("I don't see any shipments for the number you're calling from. Do you have a tracking number?");
    return { shipments };
  },
});
