/**
 * What a caller hears: local times in the business's IANA zone ("Tuesday, March 3 at 2:30 PM"),
 * the UTC bounds of a local day for queries, and money. Nothing but Intl.
 */

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

function localParts(at: Date, timeZone: string): LocalParts {
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

/** The UTC instant of a local wall-clock time in `timeZone` (DST gaps resolve forward). */
export function zonedTime(date: string, hour: number, minute: number, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour, minute);
  // The zone's offset at the guess, then once more at the corrected instant (DST edges).
  let utc = wall - offsetMs(new Date(wall), timeZone);
  utc = wall - offsetMs(new Date(utc), timeZone);
  return new Date(utc);
}

function offsetMs(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(at.getTime() / 1000) * 1000;
}

/** UTC bounds [start, end) of a local calendar day. */
export function localDayBounds(date: string, timeZone: string): { start: Date; end: Date } {
  return { start: zonedTime(date, 0, 0, timeZone), end: zonedTime(addDays(date, 1), 0, 0, timeZone) };
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + days));
  return next.toISOString().slice(0, 10);
}

/**
 * Reads a day the way a caller says it: YYYY-MM-DD, "today", "tomorrow", or a weekday name
 * (the next one, today included). Returns YYYY-MM-DD, or undefined when it is none of these.
 */
export function resolveDay(text: string, now: Date, timeZone: string): string | undefined {
  const value = text.trim().toLowerCase();
  const today = localDate(now, timeZone);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? undefined : value;
  if (value === "today") return today;
  if (value === "tomorrow") return addDays(today, 1);
  const weekday = WEEKDAYS.findIndex((w) => w === value || w.slice(0, 3) === value);
  if (weekday < 0) return undefined;
  const current = localParts(now, timeZone).weekday;
  return addDays(today, (weekday - current + 7) % 7);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** "$120.00" for 12000 cents in USD. */
export function formatMoney(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(cents / 100);
}
