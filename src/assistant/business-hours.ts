/** Opening hours in the business's time zone, shared by get_business_hours and the handoff rules. */
import type { Weekday, WeeklyHours } from "./define.ts";

export interface LocalTime {
  weekday: Weekday;
  /** "HH:MM", 24 h. */
  time: string;
}

/** The weekday and wall-clock time at `now` in `timeZone`. */
export function localTime(now: Date, timeZone: string): LocalTime {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "long",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: part("weekday") as Weekday, time: `${part("hour")}:${part("minute")}` };
}

/** Whether the business is open at `now` (opening time inclusive, closing time exclusive). */
export function isOpen(hours: WeeklyHours, timeZone: string, now: Date): boolean {
  const { weekday, time } = localTime(now, timeZone);
  const today = hours[weekday];
  return today !== undefined && time >= today.open && time < today.close;
}
