// Protects how times and money are spoken and how local days map to UTC, across time zones and DST changes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import "../support/fast-check-seed.ts";
import {
  formatMoney,
  localDate,
  localDayBounds,
  localHour,
  resolveDay,
  speakClock,
  speakDateTime,
  speakDay,
  speakDayTime,
  zonedTime,
} from "../../src/lib/speak.ts";

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

describe("daylight-saving transitions", () => {
  it("resolves a wall-clock time inside the spring-forward gap forward", () => {
    // New York skips 2:00-3:00 AM on 2026-03-08: 2:30 AM does not exist, 3:30 AM EDT is meant.
    expect(zonedTime("2026-03-08", 2, 30, "America/New_York").toISOString()).toBe("2026-03-08T07:30:00.000Z");
    expect(zonedTime("2026-03-29", 2, 30, "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });
  it("takes the first instance of a repeated fall-back hour", () => {
    expect(zonedTime("2026-11-01", 1, 30, "America/New_York").toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });
  it("starts a day at its first instant where the clocks skip midnight", () => {
    // Santiago and Havana spring forward at midnight: the day begins at 1 AM, not 11 PM the evening before.
    const santiago = localDayBounds("2026-09-06", "America/Santiago");
    expect(santiago.start.toISOString()).toBe("2026-09-06T04:00:00.000Z");
    expect(localDate(santiago.start, "America/Santiago")).toBe("2026-09-06");
    expect((santiago.end.getTime() - santiago.start.getTime()) / 3_600_000).toBe(23);
    const havana = localDayBounds("2026-03-08", "America/Havana");
    expect(localDate(havana.start, "America/Havana")).toBe("2026-03-08");
    expect(localDate(new Date(havana.start.getTime() - 1), "America/Havana")).toBe("2026-03-07");
  });
  it("bounds a 25-hour fall-back day", () => {
    const { start, end } = localDayBounds("2026-11-01", "America/New_York");
    expect((end.getTime() - start.getTime()) / 3_600_000).toBe(25);
  });
});

describe("days as callers say them", () => {
  const now = new Date("2026-03-03T15:00:00Z"); // Tuesday, March 3 in New York
  const day = (text: string) => resolveDay(text, now, "America/New_York");
  it("reads next and this weekday", () => {
    expect(day("next monday")).toBe("2026-03-09");
    expect(day("this friday")).toBe("2026-03-06");
    expect(day("next tuesday")).toBe("2026-03-10");
    expect(day("Tuesday")).toBe("2026-03-03");
    expect(day("on thursday")).toBe("2026-03-05");
  });
  it("reads month and day, rolling into next year once passed", () => {
    expect(day("March 12")).toBe("2026-03-12");
    expect(day("12th of march")).toBe("2026-03-12");
    expect(day("jan 5th")).toBe("2027-01-05");
    expect(day("the day after tomorrow")).toBe("2026-03-05");
    expect(day("february 30")).toBeUndefined();
    expect(day("2026-02-30")).toBeUndefined();
  });
  it("speaks days relative to now, with the year when it is not this year", () => {
    const tz = "America/New_York";
    expect(speakDay(new Date("2026-03-03T22:00:00Z"), now, tz)).toBe("today");
    expect(speakDay(new Date("2026-03-04T14:00:00Z"), now, tz)).toBe("tomorrow");
    expect(speakDay(new Date("2026-03-02T14:00:00Z"), now, tz)).toBe("yesterday");
    expect(speakDay(new Date("2026-03-10T14:00:00Z"), now, tz)).toBe("Tuesday, March 10");
    expect(speakDay(new Date("2020-01-01T17:00:00Z"), now, tz)).toBe("Wednesday, January 1, 2020");
    expect(speakDayTime(new Date("2026-03-04T14:00:00Z"), now, tz)).toBe("tomorrow at 9 AM");
    expect(speakDayTime(new Date("2026-03-03T19:30:00Z"), now, tz)).toBe("today at 2:30 PM");
  });
  it("speaks wall-clock opening hours", () => {
    expect(speakClock("08:00")).toBe("8 AM");
    expect(speakClock("18:30")).toBe("6:30 PM");
    expect(speakClock("12:00")).toBe("noon");
    expect(speakClock("00:00")).toBe("midnight");
    expect(speakClock("09:05")).toBe("9:05 AM");
  });
});

describe("local parts remembered per minute", () => {
  it("agree with Intl for any instant, in zones with half- and quarter-hour offsets and daylight saving", () => {
    const zones = ["America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/London"];
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.constantFrom(...zones), (ms, timeZone) => {
        const at = new Date(ms);
        const direct = new Intl.DateTimeFormat("en-CA", {
          timeZone,
          year: "numeric",
          month: "2-digit",
          day: "2-digit",
          hour: "2-digit",
          hourCycle: "h23",
        }).formatToParts(at);
        const get = (type: string) => direct.find((p) => p.type === type)!.value;
        expect(localDate(at, timeZone)).toBe(`${get("year")}-${get("month")}-${get("day")}`);
        expect(localHour(at, timeZone)).toBe(Number(get("hour")));
      }),
    );
  });
});
