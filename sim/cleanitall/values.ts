import { DAY_MS, isoDateUtc, isoSecondsUtc } from "../core/time.js";

/**
 * Value helpers shared by seeding and the API: exact money arithmetic (README §6: round2 is half
 * away from zero in exact decimal arithmetic, so floats are converted through their decimal text)
 * and the date/time formats of the reference (§1).
 */

/** The shortest decimal text of a finite number as `digits / 10^scale`. */
function decimalParts(value: number): { digits: bigint; scale: number } {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new Error(`not a finite number: ${value}`);
  const fraction = match[3] ?? "";
  let digits = BigInt(`${match[2]}${fraction}`);
  let scale = fraction.length - Number(match[4] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits: match[1] === "-" ? -digits : digits, scale };
}

/** `digits / 10^scale` rounded to an integer number of cents, half away from zero. */
function roundToCents(digits: bigint, scale: number): number {
  if (scale <= 2) return Number(digits * 10n ** BigInt(2 - scale));
  const divisor = 10n ** BigInt(scale - 2);
  const negative = digits < 0n;
  const magnitude = negative ? -digits : digits;
  let cents = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) cents += 1n;
  return Number(negative ? -cents : cents);
}

/** A money amount in integer cents (round2 applied). */
export function toCents(value: number): number {
  const { digits, scale } = decimalParts(value);
  return roundToCents(digits, scale);
}

/** Cents back to a major-unit JSON number. */
export function fromCents(cents: number): number {
  return cents / 100;
}

export function round2(value: number): number {
  return fromCents(toCents(value));
}

/** round2(a × b) in cents, exact. */
export function multiplyToCents(a: number, b: number): number {
  const x = decimalParts(a);
  const y = decimalParts(b);
  return roundToCents(x.digits * y.digits, x.scale + y.scale);
}

export function isValidDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isValidTime(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/**
 * An ISO 8601 datetime with a `Z` or `±HH:MM` offset (fraction allowed, seconds optional),
 * normalised to the API's UTC second-precision form; null when invalid.
 */
export function parseDateTime(value: string): string | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|z|([+-])(\d{2}):?(\d{2}))$/.exec(
      value,
    );
  if (!match) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6] ?? 0)];
  if (!isValidDate(date) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (match[8]) {
    const [oh, om] = [Number(match[9]), Number(match[10])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (match[8] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const local = Date.parse(`${date}T${match[4]}:${match[5]}:${String(second).padStart(2, "0")}Z`);
  return isoSecondsUtc(new Date(local - offsetMinutes * 60_000));
}

export function addDays(date: string, days: number): string {
  return isoDateUtc(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** Characters, not UTF-16 units (README §3: lengths are in characters). */
export function charLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

// Intl knows CLDR regions, which include a few groupings that are not ISO 3166-1 countries.
const NOT_COUNTRIES = new Set(["EU", "EZ", "UN", "QO", "ZZ"]);
const regionNames = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });

export function isCountryCode(value: string): boolean {
  return /^[A-Z]{2}$/.test(value) && !NOT_COUNTRIES.has(value) && regionNames.of(value) !== undefined;
}

const CURRENCIES = new Set(Intl.supportedValuesOf("currency"));

export function isCurrencyCode(value: string): boolean {
  return /^[A-Z]{3}$/.test(value) && CURRENCIES.has(value);
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}
