/** Assertions over the booking audit, for fault tests. */
import { expect } from "vitest";
import { halfWrittenBookings } from "../../scripts/lab/lib/booking-audit.ts";
import type { Database } from "../../src/db/client.ts";

export { lostCodes, storedCodes } from "../../scripts/lab/lib/booking-audit.ts";

export async function expectNoHalfWrittenBookings(db: Database) {
  expect(await halfWrittenBookings(db)).toEqual({ withoutToolCall: 0, claimsWithoutAnswer: 0 });
}
