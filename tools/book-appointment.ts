/** "Book me in for Tuesday": books a slot for the caller's own number. Idempotent and race-safe. */
import { z } from "zod";
import { bookAppointment } from "../src/services/appointments/booking.ts";
import { defineTool, sayExactly } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER, spellOut } from "../src/tools/service-result.ts";

export default defineTool({
  name: "book_appointment",
  description:
    "Books an open slot (from check_availability) for the caller and returns a confirmation code to read back. If the slot was just taken, the error offers the nearest open alternatives.",
  parameters: z.object({
    slotId: z.string().trim().min(1).max(64).describe("The slotId returned by check_availability."),
    customerName: z.string().trim().min(1).max(100).describe("The caller's name for the booking."),
    notes: z.string().trim().max(500).optional().describe("Anything the business should know; never card or payment details."),
  }),
  sideEffect: true,
  // A booking is worth a second of waiting more than a spoken timeout; budgets of reads stay at the default.
  budgetMs: 1500,
  messages: { start: "Let me book that for you.", failed: "Sorry, I couldn't complete the booking." },
  handler: async ({ input, ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    const booked = await bookAppointment(ctx, { callerNumber: caller, ...input });
    if (!booked.ok) return fromResult(booked); // slot taken or gone: the model offers the alternatives
    const b = booked.value;
    // Dictated words: the code is read out character by character, never run together as a word.
    const opening = b.alreadyBooked ? `You already have ${b.time} booked.` : `You're booked for ${b.time}.`;
    const words = `${opening} Your confirmation code is ${spellOut(b.confirmationCode)}. Is there anything else I can help with?`;
    return sayExactly(words, { booked: true, ...b });
  },
});
