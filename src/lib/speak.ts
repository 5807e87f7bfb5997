/**
 * What a caller hears: local times in the business's IANA zone ("Tuesday, March 3 at 2:30 PM",
 * "today at 9 AM"), the UTC bounds of a local day for queries, days as callers say them, and
 * money. Wall-clock to instant conversions go through @date-fns/tz, so daylight-saving gaps and
 * zones whose clocks change at midnight resolve the way the zone's rules say.
 */
import { TZDate } from "@date-fns/tz";

const STYLES = {
  date: { weekday: "long", month: "long", day: "numeric" },
  time: { hour: "numeric", minute: "2-digit", hour12: true },
  parts: {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    weekday: "long",
    hourCycle: "h23",
  },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

interface Formatter {
  format: Intl.DateTimeFormat;
  /** Recent results by instant: the same ETAs and slot times are spoken over and over. */
  spoken: Map<number, string>;
}

const formatters = new Map<string, Formatter>();

// Per-isolate memo: building an Intl.DateTimeFormat costs far more than using one, and using one
// showed in the cache-hit profile, so results are remembered too (bounded).
function formatter(timeZone: string, style: keyof typeof STYLES): Formatter {
  const key = `${style}|${timeZone}`;
  let f = formatters.get(key);
  if (!f) {
    f = { format: new Intl.DateTimeFormat("en-US", { timeZone, ...STYLES[style] }), spoken: new Map() };
    formatters.set(key, f);
  }
  return f;
}

function spoken(timeZone: string, style: "date" | "time", at: Date): string {
  const f = formatter(timeZone, style);
  const ms = at.getTime();
  let text = f.spoken.get(ms);
  if (text === undefined) {
    text = f.format.format(at);
    if (f.spoken.size >= 2_000) f.spoken.clear();
    f.spoken.set(ms, text);
  }
  return text;
}

/** "Tuesday, March 3 at 2:30 PM" in `timeZone`. */
export function speakDateTime(at: Date, timeZone: string): string {
  return `${speakDate(at, timeZone)} at ${speakTime(at, timeZone)}`;
}

/** "Tuesday, March 3". */
export function speakDate(at: Date, timeZone: string): string {
  return spoken(timeZone, "date", at);
}

/** "2:30 PM". */
export function speakTime(at: Date, timeZone: string): string {
  return spoken(timeZone, "time", at);
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;

/** Parts of each minute's start, per time zone (bounded): `formatToParts` showed in the cache-hit profile. */
const minuteParts = new Map<string, LocalParts>();

/**
 * Time zone offsets change on whole minutes, so within a minute only the seconds differ: the
 * minute's parts are computed once and the seconds taken from the instant.
 */
function localParts(at: Date, timeZone: string): LocalParts {
  const ms = at.getTime();
  if (!Number.isFinite(ms)) return partsOf(at, timeZone);
  const intoMinute = ((ms % 60_000) + 60_000) % 60_000;
  const key = `${timeZone}|${ms - intoMinute}`;
  let minute = minuteParts.get(key);
  if (!minute) {
    minute = partsOf(new Date(ms - intoMinute), timeZone);
    if (minuteParts.size >= 2_000) minuteParts.clear();
    minuteParts.set(key, minute);
  }
  return { ...minute, second: Math.floor(intoMinute / 1000) };
}

function partsOf(at: Date, timeZone: string): LocalParts {
  const parts = formatter(timeZone, "parts").format.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "0";
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")) % 24,
    minute: Number(get("minute")),
    second: Number(get("second")),
    weekday: WEEKDAYS.indexOf(get("weekday").toLowerCase() as (typeof WEEKDAYS)[number]),
  };
}

/** The local calendar date of `at` in `timeZone`, as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** The local hour (0-23) of `at` in `timeZone`. */
export function localHour(at: Date, timeZone: string): number {
  return localParts(at, timeZone).hour;
}

/**
 * The UTC instant of a local wall-clock time in `timeZone`. A time inside a daylight-saving gap
 * resolves forward (2:30 AM on the spring-forward night is 3:30 AM); in the repeated hour of a
 * fall-back night the first (daylight) instance is taken.
 */
export function zonedTime(date: string, hour: number, minute: number, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, hour, minute, timeZone).getTime());
}

/** UTC bounds [start, end) of a local calendar day (its first instant: 1 AM where midnight is skipped). */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  return { start: zonedTime(date, 0, 0, timeZone), end: zonedTime(addDays(date, 1), 0, 0, timeZone) };
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + days));
  return next.toISOString().slice(0, 10);
}

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

function weekdayIndex(word: string): number {
  return WEEKDAYS.findIndex((w) => w === word || w.slice(0, 3) === word || (word.length >= 3 && w.startsWith(word)));
}

function monthIndex(word: string): number {
  return MONTHS.findIndex((m) => m === word || (word.length >= 3 && m.startsWith(word)));
}

/** A month and day: the next one from today (a date already past this year means next year). */
function nextMonthDay(month: number, day: number, today: string): string | undefined {
  const year = Number(today.slice(0, 4));
  for (const y of [year, year + 1]) {
    const candidate = `${y}-${pad(month + 1)}-${pad(day)}`;
    if (Number.isNaN(Date.parse(`${candidate}T00:00:00Z`)) || new Date(`${candidate}T00:00:00Z`).getUTCDate() !== day) return undefined;
    if (candidate >= today) return candidate;
  }
  return undefined;
}

/**
 * Reads a day the way a caller says it: YYYY-MM-DD, "today", "tomorrow", "the day after
 * tomorrow", a weekday ("friday", "this friday": the next one, today included; "next friday":
 * the next one after today), or a month and day ("march 3", "3rd of march", "march 3rd").
 * Returns YYYY-MM-DD, or undefined when it is none of these.
 */
export function resolveDay(text: string, now: Date, timeZone: string): string | undefined {
  const value = text
    .trim()
    .toLowerCase()
    .replace(/[.,]/g, " ")
    .replace(/\s+/g, " ")
    .replace(/^(on|for) /, "")
    .replace(/^the /, "");
  const today = localDate(now, timeZone);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const parsed = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value ? undefined : value;
  }
  if (value === "today") return today;
  if (value === "tomorrow") return addDays(today, 1);
  if (value === "day after tomorrow") return addDays(today, 2);
  const weekday = /^(this |next |coming |this coming )?([a-z]+)$/.exec(value);
  if (weekday) {
    const index = weekdayIndex(weekday[2]!);
    if (index >= 0) {
      const ahead = (index - localParts(now, timeZone).weekday + 7) % 7;
      return addDays(today, weekday[1] === "next " && ahead === 0 ? 7 : ahead);
    }
  }
  const monthFirst = /^([a-z]+) (\d{1,2})(?:st|nd|rd|th)?$/.exec(value);
  const dayFirst = /^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]+)$/.exec(value);
  const [monthWord, dayDigits] = monthFirst ? [monthFirst[1]!, monthFirst[2]!] : dayFirst ? [dayFirst[2]!, dayFirst[1]!] : [];
  if (monthWord && dayDigits) {
    const month = monthIndex(monthWord);
    if (month >= 0) return nextMonthDay(month, Number(dayDigits), today);
  }
  return undefined;
}

/**
 * A day as a caller hears it, relative to `now`: "today", "tomorrow", "yesterday", else
 * "Tuesday, March 3", with the year when it is not this year ("Wednesday, January 1, 2020").
 */
export function speakDay(at: Date, now: Date, timeZone: string): string {
  const day = localDate(at, timeZone);
  const today = localDate(now, timeZone);
  if (day === today) return "today";
  if (day === addDays(today, 1)) return "tomorrow";
  if (day === addDays(today, -1)) return "yesterday";
  const date = speakDate(at, timeZone);
  return day.slice(0, 4) === today.slice(0, 4) ? date : `${date}, ${day.slice(0, 4)}`;
}

/** "today at 2:30 PM", "Tuesday, March 3 at 9 AM": a day relative to `now` and a time. */
export function speakDayTime(at: Date, now: Date, timeZone: string): string {
  return `${speakDay(at, now, timeZone)} at ${speakTime(at, timeZone).replace(":00 ", " ")}`;
}

/** A wall-clock "HH:MM" (24-hour) as spoken: "08:00" is "8 AM", "18:30" is "6:30 PM", "12:00" is "noon". */
export function speakClock(hhmm: string): string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(hhmm.trim());
  if (!match) return hhmm;
  const hour = Number(match[1]) % 24;
  const minute = Number(match[2]);
  if (minute === 0 && hour === 12) return "noon";
  if (minute === 0 && hour === 0) return "midnight";
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return `${h12}${minute === 0 ? "" : `:${pad(minute)}`} ${hour < 12 ? "AM" : "PM"}`;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A code read character by character, in groups a caller can follow and write down:
 * "K7P2QM" is "K 7 P 2, Q M"; "1ZDEMO0002" is "1 Z D E, M O 0 0, 0 2".
 */
export function spellOut(code: string): string {
  const chars = [...code.replace(/\s+/g, "")];
  const groups: string[] = [];
  for (let i = 0; i < chars.length; i += 4) groups.push(chars.slice(i, i + 4).join(" "));
  return groups.join(", ");
}

/** "$120.00" for 12000 cents in USD. */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(cents / 100);
}
