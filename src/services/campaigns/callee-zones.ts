/**
 * The time zones a callee may be in, from their number alone: libphonenumber-js gives the country
 * (and, for North America, the area code says which country), countries-and-timezones gives its
 * zones. Where a country spans several zones and the number cannot say which, every zone is
 * returned, and calling hours must hold in all of them: a conservative window, legal wherever the
 * callee is (ADR 0017). For the United States, Hawaii (808) and Alaska (907) have zones of their
 * own so the rest of the country keeps a usable window (12:00 to 20:00 Eastern for 9 to 20 local).
 */
import { getTimezonesForCountry } from "countries-and-timezones";
import { parsePhoneNumberFromString } from "libphonenumber-js/min";

/** Zones used when the number names only the country, for countries whose data lists many rarely-dialed zones. */
const NANP_ZONES: Record<string, readonly string[]> = {
  US: ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles"],
  CA: ["America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg", "America/Edmonton", "America/Vancouver"],
};
/** North American area codes whose zone is known exactly. */
const AREA_CODE_ZONES: Record<string, readonly string[]> = {
  "808": ["Pacific/Honolulu"],
  // Alaska's area code also covers the Aleutians west of 169°30′W, an hour behind Anchorage.
  "907": ["America/Anchorage", "America/Adak"],
};

/**
 * North American area codes tied to no place (toll-free 8YY, personal communications 5XX, 600, 700,
 * 900): such a number may ring anywhere from Guam to Newfoundland, so nobody can say it is a
 * sensible hour there; the contact is refused as an unknown region.
 */
const NON_GEOGRAPHIC = new Set(
  "500 521 522 523 524 525 526 527 528 529 532 533 535 538 542 543 544 545 546 547 549 550 552 553 554 556 558 566 569 577 578 588 589 600 700 800 833 844 855 866 877 888 900".split(
    " ",
  ),
);

export interface CalleeRegion {
  /** ISO 3166 country code ("US"), when the number has one. */
  country: string;
  /** Every zone the callee may be in (at least one). */
  timeZones: readonly string[];
}

/**
 * One spelling per number, so a list lookup cannot be dodged by formatting: spaces, brackets,
 * dots and dashes dropped, and a national trunk "0" written after the country code removed
 * ("+44 (0)20 7946 0099" is +442079460099) where the number parses. Undefined: not a number.
 */
export function canonicalNumber(raw: string): string | undefined {
  const stripped = raw.replace(/[\s().-]/g, "");
  if (!/^\+[1-9]\d{1,18}$/.test(stripped)) return undefined;
  return parsePhoneNumberFromString(stripped)?.number ?? stripped;
}

/**
 * The callee's country and possible zones, or undefined when the number is not a dialable
 * number of a known country (the contact is then refused: nobody can say whether it is a
 * sensible hour there).
 */
export function calleeRegion(number: string): CalleeRegion | undefined {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return undefined;
  // A number libphonenumber does not know as valid (+1 555 ...) still has a calling code: North
  // American ones get the conservative window of the United States.
  const country = parsed.country ?? (parsed.countryCallingCode === "1" ? "US" : undefined);
  if (!country) return undefined;
  if (parsed.countryCallingCode === "1") {
    const area = parsed.nationalNumber.slice(0, 3);
    if (NON_GEOGRAPHIC.has(area)) return undefined;
    const zones = (country === "US" && AREA_CODE_ZONES[area]) || NANP_ZONES[country];
    if (zones) return { country, timeZones: zones };
  }
  // The country's own zones: those whose first country it is (the data also lists zones a
  // country merely shares, such as another country's capital used by a remote island).
  const zones = getTimezonesForCountry(country, { deprecated: false }) ?? [];
  const own = zones.filter((z) => z.countries[0] === country).map((z) => z.name);
  const names = own.length > 0 ? own : zones.map((z) => z.name);
  return names.length > 0 ? { country, timeZones: names } : undefined;
}
