/**
 * Opening hours in the business's time zone: business data the tools and the handoff rules share
 * (declared in assistant.config.ts, handed to tools as `ctx.businessHours`). Wall-clock hours are
 * "HH:MM", 24 h; what a caller hears is spoken ("8 AM to 6 PM").
 */
import { addDays, localDate, resolveDay, speakClock, speakDay } from "../lib/speak.ts";

export type Weekday = "Monday" | "Tuesday" | "Wednesday" | "Thursday" | "Friday" | "Saturday" | "Sunday";
/**
 * Opening hours per weekday, "HH:MM" 24 h, closing time exclusive ("24:00": until midnight); a
 * missing day is closed. Checked at load (`businessHoursProblems`).
 */
export type WeeklyHours = Partial<Record<Weekday, { open: string; close: string }>>;

export const WEEKDAYS: readonly Weekday[] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export interface LocalTime {
  weekday: Weekday;
  /** "HH:MM", 24 h. */
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The weekday and wall-clock time at `now` in `timeZone`. */
export function localTime(now: Date, timeZone: string): LocalTime {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: part("weekday") as Weekday, time: `${part("hour")}:${part("minute")}` };
}

/** "HH:MM", 24 h, two digits each; "24:00" is the end of the day (a closing time only). */
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;
const END_OF_DAY = "24:00";

/**
 * What is wrong with the opening hours, one sentence per day naming the value and the form
 * expected (empty: nothing). Times are compared as text, so "8:00" or "8am" would never be open:
 * they are refused at load rather than leaving the business closed all week.
 */
export function businessHoursProblems(hours: unknown): string[] {
  if (typeof hours !== "object" || hours === null || Array.isArray(hours)) {
    return ["businessHours: must be an object of weekdays (Monday to Sunday), each { open, close }"];
  }
  const problems: string[] = [];
  for (const [day, value] of Object.entries(hours)) {
    const at = `businessHours.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      problems.push(`${at}: not a weekday; write Monday to Sunday, capitalized (a missing day is closed)`);
      continue;
    }
    const { open, close } = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
    const openOk = typeof open === "string" && CLOCK.test(open);
    const closeOk = typeof close === "string" && (CLOCK.test(close) || close === END_OF_DAY);
    if (!openOk) problems.push(`${at}.open: ${JSON.stringify(open)} is not a time; write "HH:MM", 24-hour ("08:00")`);
    if (!closeOk)
      problems.push(`${at}.close: ${JSON.stringify(close)} is not a time; write "HH:MM", 24-hour ("17:00", or "24:00" for midnight)`);
    if (openOk && closeOk && open >= close) {
      problems.push(
        `${at}: opens at "${open}" but closes at "${close}"; the opening time must come first (for hours past midnight, close at "24:00" and open the next day at "00:00")`,
      );
    }
  }
  return problems;
}

/** Whether the business is open at `now` (opening time inclusive, closing time exclusive). */
export function isOpen(hours: WeeklyHours, timeZone: string, now: Date): boolean {
  const { weekday, time } = localTime(now, timeZone);
  const today = hours[weekday];
  return today !== undefined && time >= today.open && time < today.close;
}

/** What a caller hears about one day's hours, and about now when the day is today. */
export type HoursAnswer = {
  /** The weekday asked about ("Saturday"). */
  day: Weekday;
  /** "8 AM to 6 PM", or "closed all day". */
  hours: string;
  /** Only for today: whether the business is open right now. */
  openNow?: boolean;
  /** Only for today: "closes at 6 PM", "opens at 8 AM", or when it opens next. */
  next?: string;
  /** Only for today: the local time, spoken ("2:30 PM"). */
  localTime?: string;
};

/**
 * The hours of the day a caller asked about: "saturday", "tomorrow", "next monday", a date; no
 * day means today. Undefined when `asked` is not a day (the caller hears that, not a guess).
 */
export function hoursFor(hours: WeeklyHours, timeZone: string, now: Date, asked?: string): HoursAnswer | undefined {
  const today = localDate(now, timeZone);
  const date = asked ? resolveDay(asked, now, timeZone) : today;
  if (!date) return undefined;
  const weekday = weekdayOf(date);
  const day = hours[weekday];
  const answer: HoursAnswer = { day: weekday, hours: day ? `${speakClock(day.open)} to ${speakClock(day.close)}` : "closed all day" };
  if (date !== today) return answer;
  const { time } = localTime(now, timeZone);
  const openNow = day !== undefined && time >= day.open && time < day.close;
  return { ...answer, openNow, next: nextChange(hours, timeZone, now, today), localTime: speakClock(time) };
}

/** When the hours next change from now: "closes at 6 PM", "opens at 8 AM", "opens Monday at 8 AM". */
function nextChange(hours: WeeklyHours, timeZone: string, now: Date, today: string): string | undefined {
  const { time } = localTime(now, timeZone);
  const todays = hours[weekdayOf(today)];
  if (todays && time < todays.open) return `opens at ${speakClock(todays.open)}`;
  if (todays && time < todays.close) return `closes at ${speakClock(todays.close)}`;
  for (let ahead = 1; ahead <= 7; ahead++) {
    const date = addDays(today, ahead);
    const day = hours[weekdayOf(date)];
    if (day) return `opens ${speakDay(new Date(`${date}T12:00:00Z`), new Date(`${today}T12:00:00Z`), "UTC")} at ${speakClock(day.open)}`;
  }
  return undefined;
}

function weekdayOf(date: string): Weekday {
  return WEEKDAYS[new Date(`${date}T12:00:00Z`).getUTCDay()]!;
}
