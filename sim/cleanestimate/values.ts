import type { Rng } from "../core/rng.js";
import { DAY_MS } from "../core/time.js";

/**
 * Value helpers shared by seeding and the API: exact decimal money arithmetic (README §6: round2
 * is half away from zero in exact decimal arithmetic, so floats go through their shortest decimal
 * text), UUIDs, and the date/time formats of §1.
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

/** round2(value) in integer cents. */
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

/** round2(f1 × f2 × … × fn) in cents, computed exactly (one rounding at the end). */
export function productToCents(...factors: number[]): number {
  let digits = 1n;
  let scale = 0;
  for (const factor of factors) {
    const part = decimalParts(factor);
    digits *= part.digits;
    scale += part.scale;
  }
  return roundToCents(digits, scale);
}

/** A lowercase hyphenated UUID (version-4 layout) drawn from `rng`. */
export function uuidFrom(rng: Rng): string {
  const hex = rng.string(32, "0123456789abcdef");
  const variant = "89ab"[rng.int(0, 3)];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** §1 datetime: ISO 8601 UTC with milliseconds. */
export function isoMs(date: Date | number): string {
  return (typeof date === "number" ? new Date(date) : date).toISOString();
}

export function isValidDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** §1 time: `HH:MM:SS`, 24 h. */
export function isValidTime(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(value);
}

/**
 * An ISO 8601 datetime with a `Z` or `±HH:MM` offset (fraction and seconds optional), normalised to
 * the API's UTC millisecond form (digits beyond milliseconds are truncated); null when invalid.
 */
export function parseDateTime(value: string): string | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|z|([+-])(\d{2}):?(\d{2}))$/.exec(
      value,
    );
  if (!match) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  const [hour, minute, second] = [Number(match[4]), Number(match[5]), Number(match[6] ?? 0)];
  if (!isValidDate(date) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (match[9]) {
    const [oh, om] = [Number(match[10]), Number(match[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (match[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const millis = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const local = Date.parse(`${date}T${match[4]}:${match[5]}:${String(second).padStart(2, "0")}Z`);
  return isoMs(local + millis - offsetMinutes * 60_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Characters, not UTF-16 units (README §3: lengths are in characters). */
export function charLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

export function isEmail(value: string): boolean {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

/** §7.7: an absolute `http`/`https` URL of at most 2048 characters. */
export function isWebhookUrl(value: string): boolean {
  if (charLength(value) > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** JSON text with object keys sorted at every level: equal for equal parsed JSON (§4 fingerprint). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
