// Protects how times and money are spoken and how local days map to UTC, across time zones and DST changes.
import { describe, expect, it } from "vitest";
import { formatMoney, localDate, localDayBounds, resolveDay, speakDateTime, zonedTime } from "../../src/lib/speak.ts";

describe("speaking times", () => {
  it("speaks a local time in the business's zone", () => {
    expect(speakDateTime(new Date("2026-03-03T19:30:00Z"), "America/New_York")).toBe("Tuesday, March 3 at 2:30 PM");
    expect(speakDateTime(new Date("2026-03-03T19:30:00Z"), "Europe/Berlin")).toBe("Tuesday, March 3 at 8:30 PM");
  });
  it("speaks money", () => {
    expect(formatMoney(12_050, "USD")).toBe("$120.50");
  });
});

describe("local days", () => {
  it("maps local wall-clock times to UTC, on both sides of a DST change", () => {
    expect(zonedTime("2026-03-07", 9, 0, "America/New_York").toISOString()).toBe("2026-03-07T14:00:00.000Z");
    expect(zonedTime("2026-03-09", 9, 0, "America/New_York").toISOString()).toBe("2026-03-09T13:00:00.000Z");
  });
  it("bounds a day that is 23 hours long", () => {
    const { start, end } = localDayBounds("2026-03-08", "America/New_York");
    expect((end.getTime() - start.getTime()) / 3_600_000).toBe(23);
  });
  it("reads days the way callers say them", () => {
    const now = new Date("2026-03-03T15:00:00Z"); // a Tuesday in New York
    expect(resolveDay("today", now, "America/New_York")).toBe("2026-03-03");
    expect(resolveDay("Tomorrow", now, "America/New_York")).toBe("2026-03-04");
    expect(resolveDay("friday", now, "America/New_York")).toBe("2026-03-06");
    expect(resolveDay("tue", now, "America/New_York")).toBe("2026-03-03");
    expect(resolveDay("2026-04-01", now, "America/New_York")).toBe("2026-04-01");
    expect(resolveDay("someday", now, "America/New_York")).toBeUndefined();
    expect(localDate(new Date("2026-03-04T03:00:00Z"), "America/New_York")).toBe("2026-03-03");
  });
});
