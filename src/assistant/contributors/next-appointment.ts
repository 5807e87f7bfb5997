/** The caller's next booked appointment, from the appointments service's cached lookup. */
import { genKeys } from "../../cache/keys.ts";
import { findNextAppointment } from "../../services/appointments/my-appointments.ts";
import type { CallerProfileContributor } from "../caller-profile.ts";

export const nextAppointmentContributor: CallerProfileContributor = {
  name: "next-appointment",
  // Bookings, cancellations and moves bump the caller's generation after they commit.
  generations: (callerNumber) => [genKeys.phone(callerNumber)],
  async load(deps, callerNumber, signal) {
    signal.throwIfAborted();
    const next = await findNextAppointment(deps, callerNumber);
    return next ? { nextAppointment: next } : {};
  },
};
