/**
 * The caller profile that personalizes the assistant: who is calling, what they have open with
 * the business, what happened last time. It is assembled by contributors (one per source,
 * see `contributors/`), read through the cache, and bounded by a strict budget: if the lookup
 * is not done in time the call gets the un-personalized assistant, never a slow answer.
 */
import type { Cache } from "../cache/cache.ts";
import type { Database } from "../db/client.ts";
import type { Clock } from "../lib/clock.ts";
import { boundedBy, type Defer } from "../lib/defer.ts";
import type { Logger } from "../lib/logger.ts";
import { callerKeys } from "../services/caller-memory.ts";

/** Everything personalization may know about a caller. Every field is optional: contributors fill what they can. */
export interface CallerProfile {
  /** How to address the caller. */
  name?: string;
  /** Number of earlier calls we have a record of. */
  previousCalls?: number;
  /** The last call's summary (already redacted when stored) and when it ended (ISO). */
  lastCall?: { summary: string; endedAt: string };
  /** Shipments not yet delivered (status and ETA already in words). */
  openShipments?: { reference: string; status: string; eta?: string }[];
  /** The next booked appointment: ISO start in UTC, and optionally the start as spoken in the business's time zone. */
  nextAppointment?: { service: string; startsAt: string; time?: string };
}

/** What a contributor may use. Contributors read; they never write. */
export interface ProfileDeps {
  db: Database;
  cache: Cache;
  logger: Logger;
  clock: Clock;
  /** The business's IANA time zone, for speaking times. */
  timeZone: string;
  /** TTL of the caller's cached memory, for contributors that reuse it. */
  memoryTtlMs: number;
}

/**
 * One source of caller facts. Contributors run concurrently; pass `signal` to anything that can
 * be cancelled. Throwing only loses this contributor's part (it is logged).
 */
export interface CallerProfileContributor {
  /** For logs. */
  name: string;
  load(deps: ProfileDeps, callerNumber: string, signal: AbortSignal): Promise<Partial<CallerProfile>>;
  /**
   * The cache generation keys (see `cache/read-through.ts`) this contributor's facts depend on.
   * A cached profile is served only while all of them are unchanged, so a committed write that
   * invalidates them (a booking, a shipment update) shows on the caller's next assistant-request.
   */
  generations?(callerNumber: string): readonly string[];
}

export interface ProfileLookup {
  /** undefined when the budget ran out (or no caller number): serve the un-personalized assistant. */
  profile: CallerProfile | undefined;
  source: "cache" | "database" | "timeout" | "none";
  elapsedMs: number;
}

/** How long an overrun lookup may keep going in the background to fill the cache. */
const BACKGROUND_LIMIT_MS = 2_000;

export interface ProfileOptions {
  budgetMs: number;
  ttlMs: number;
  contributors: readonly CallerProfileContributor[];
  /**
   * Keeps a lookup that overran its budget alive until it has filled the cache. Required where
   * un-awaited work is cut when the response goes out (Workers: `ctx.waitUntil`).
   */
  defer: Defer;
}

/**
 * The caller's profile within `budgetMs`, cache first. On a miss the contributors run; a lookup
 * that overruns still completes in the background and fills the cache, so the caller's next
 * call (and a retried assistant-request) is personalized. Never throws.
 */
export async function loadCallerProfile(
  deps: ProfileDeps,
  callerNumber: string | undefined,
  options: ProfileOptions,
): Promise<ProfileLookup> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  if (!callerNumber) return { profile: undefined, source: "none", elapsedMs: 0 };

  const lookup = lookUpProfile(deps, callerNumber, options);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), options.budgetMs);
  });
  try {
    const outcome = await Promise.race([lookup, timeout]);
    if (outcome === "timeout") {
      options.defer(boundedBy(lookup), "caller profile lookup after its budget");
      deps.logger.warn("caller profile over budget; serving the un-personalized assistant", { budgetMs: options.budgetMs });
      return { profile: undefined, source: "timeout", elapsedMs: elapsed() };
    }
    return { ...outcome, elapsedMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

/** A cached profile and the generations of its sources when it was loaded. */
interface CachedProfile {
  p: CallerProfile;
  g: (string | null)[];
}

async function lookUpProfile(
  deps: ProfileDeps,
  callerNumber: string,
  options: ProfileOptions,
): Promise<{ profile: CallerProfile; source: "cache" | "database" }> {
  const key = callerKeys.profile(callerNumber);
  const genKeys = [...new Set(options.contributors.flatMap((c) => c.generations?.(callerNumber) ?? []))];
  // Read before the sources: a write committing while they load leaves the entry stale-marked.
  let generations: (string | null)[] = genKeys.map(() => null);
  try {
    const [cached, ...current] = await deps.cache.getMany([key, ...genKeys]);
    generations = current;
    const entry = parseCachedProfile(cached ?? null);
    if (entry && sameGenerations(entry.g, current)) return { profile: entry.p, source: "cache" };
  } catch (err) {
    deps.logger.warn("caller profile cache unavailable", { err });
  }
  // Not the budget: an overrun lookup goes on to warm the cache, but not forever.
  const signal = AbortSignal.timeout(BACKGROUND_LIMIT_MS);
  let complete = true;
  const parts = await Promise.all(
    options.contributors.map((c) =>
      c.load(deps, callerNumber, signal).catch((err: unknown) => {
        complete = false;
        deps.logger.error("caller profile contributor failed", { contributor: c.name, err });
        return {} as Partial<CallerProfile>;
      }),
    ),
  );
  const profile: CallerProfile = Object.assign({}, ...parts);
  // A profile missing a failed source is served once but not cached, so a blip is not remembered for a TTL.
  if (complete) {
    const entry: CachedProfile = { p: profile, g: generations };
    await deps.cache.set(key, JSON.stringify(entry), options.ttlMs).catch(() => {});
  }
  return { profile, source: "database" };
}

function sameGenerations(stored: readonly (string | null)[], current: readonly (string | null)[]): boolean {
  return stored.length === current.length && stored.every((g, i) => g === current[i]);
}

function parseCachedProfile(raw: string | null): CachedProfile | undefined {
  if (raw === null) return undefined;
  try {
    const parsed = JSON.parse(raw) as CachedProfile;
    return typeof parsed === "object" && parsed !== null && typeof parsed.p === "object" && Array.isArray(parsed.g) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A caller-supplied text (a dictated name, a summary of what they said) made inert where Vapi
 * renders Liquid templates (`firstMessage`, the system prompt, variable values): no braces, so
 * "{{ ... }}" or "{% ... %}" is never evaluated, and a name is cut to a name's length.
 */
export function inertText(text: string, max = 2000): string {
  const plain = text.replace(/[{}]/g, "");
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}

/** The longest caller name that is spoken or put in a prompt. */
export const MAX_SPOKEN_NAME = 60;

/** The caller's name as it may be spoken or put in a prompt; undefined when none is known. */
export function callerNameOf(profile: CallerProfile | undefined): string | undefined {
  const name = profile?.name ? inertText(profile.name, MAX_SPOKEN_NAME).trim() : "";
  return name || undefined;
}

/** The profile as Vapi variable values (usable as `{{callerName}}` in a stored assistant's prompts). */
export function profileVariables(profile: CallerProfile | undefined, firstMessage: string): Record<string, string> {
  return {
    firstMessage,
    callerName: callerNameOf(profile) ?? "",
    callerContext: describeProfile(profile),
  };
}

/** The profile as a few plain sentences for the system prompt; empty when nothing is known. */
export function describeProfile(profile: CallerProfile | undefined): string {
  if (!profile) return "";
  const lines: string[] = [];
  const name = callerNameOf(profile);
  if (name) lines.push(`Their name is ${name}.`);
  if (profile.previousCalls) lines.push(`They have called ${profile.previousCalls} time${profile.previousCalls === 1 ? "" : "s"} before.`);
  if (profile.lastCall) lines.push(`Last call (${profile.lastCall.endedAt.slice(0, 10)}): ${inertText(profile.lastCall.summary, 600)}`);
  if (profile.openShipments?.length) {
    const list = profile.openShipments
      .slice(0, 3)
      .map((s) => `${s.reference} (${s.status}${s.eta ? `, due ${s.eta}` : ""})`)
      .join("; ");
    lines.push(`Open shipments: ${list}.`);
  }
  if (profile.nextAppointment) {
    const { service, startsAt, time } = profile.nextAppointment;
    lines.push(`Next appointment: ${service}, ${time ?? `at ${startsAt}`}.`);
  }
  return inertText(lines.join(" "));
}
