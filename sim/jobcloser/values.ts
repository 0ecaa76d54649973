import type { Rng } from "../core/rng.js";
import { central } from "./zone.js";

/**
 * Value helpers shared by seeding and the API: the 30-char hex IDs, exact money arithmetic
 * (README §6: round2 is half away from zero in exact decimal arithmetic), and the datetime formats
 * of jobcloser.md §1 (rendered in America/Chicago; inputs without an offset read as Chicago time).
 */

const HEX = "0123456789abcdef";

const HEX_BYTES = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, "0"));

function word(rng: Rng): string {
  const n = Math.floor(rng.next() * 4_294_967_296);
  const high = Math.floor(n / 65_536);
  const low = n % 65_536;
  return `${HEX_BYTES[high >> 8]}${HEX_BYTES[high & 255]}${HEX_BYTES[low >> 8]}${HEX_BYTES[low & 255]}`;
}

/** A 30-char lowercase hex ID (§1): four 32-bit draws. */
export const hexId = (rng: Rng): string => `${word(rng)}${word(rng)}${word(rng)}${word(rng)}`.slice(0, 30);

export const ID_FORMAT = /^[0-9a-f]{30}$/;

/** An uppercase GUID (the Zapier key format). */
export function guid(rng: Rng): string {
  const hex = rng.string(32, HEX).toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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

/** `digits / 10^scale` rounded to `places` decimals, half away from zero, as an integer. */
function roundTo(digits: bigint, scale: number, places: number): number {
  if (scale <= places) return Number(digits * 10n ** BigInt(places - scale));
  const divisor = 10n ** BigInt(scale - places);
  const negative = digits < 0n;
  const magnitude = negative ? -digits : digits;
  let rounded = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) rounded += 1n;
  return Number(negative ? -rounded : rounded);
}

/** A money amount in integer cents, round2 applied. */
export function toCents(value: number): number {
  const { digits, scale } = decimalParts(value);
  return roundTo(digits, scale, 2);
}

export const fromCents = (cents: number): number => cents / 100;

export const round2 = (value: number): number => fromCents(toCents(value));

/** round2(a × b) in cents, exact. */
export function multiplyToCents(a: number, b: number): number {
  const x = decimalParts(a);
  const y = decimalParts(b);
  return roundTo(x.digits * y.digits, x.scale + y.scale, 2);
}

/** A measurement rounded to `places` decimals, half away from zero (binary floats, for seed data). */
export function roundPlaces(value: number, places: number): number {
  const factor = 10 ** places;
  const scaled = Math.abs(value) * factor;
  return (Math.sign(value) * Math.round(scaled + 1e-9)) / factor || 0;
}

/** The §1 timestamp of an instant: America/Chicago, seconds, offset. */
export const render = (ms: number): string => central().render(ms);

/** Epoch milliseconds of a rendered timestamp. */
export const instant = (timestamp: string): number => Date.parse(timestamp);

export function isValidDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A datetime input (§1): ISO 8601 date-time with `T` or a space, seconds and fraction optional,
 * `Z` or `±HH:MM` optional; without an offset it is America/Chicago wall time. A bare
 * `YYYY-MM-DD` is Chicago midnight. Returns epoch milliseconds, or null when unparseable.
 */
export function parseDateTime(value: string): number | null {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|z|([+-])(\d{2}):?(\d{2}))?$/.exec(
      value.trim(),
    );
  if (!match) return null;
  const date = `${match[1]}-${match[2]}-${match[3]}`;
  if (!isValidDate(date)) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const [hour, minute, second] = [Number(match[4] ?? 0), Number(match[5] ?? 0), Number(match[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return null;
  const fractionMs = match[7] ? Math.floor(Number(`0.${match[7]}`) * 1000) : 0;
  if (match[8] === undefined) return central().fromLocal(year, month, day, hour, minute, second) + fractionMs;
  let offsetMinutes = 0;
  if (match[9]) {
    const [oh, om] = [Number(match[10]), Number(match[11])];
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (match[9] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) + fractionMs - offsetMinutes * 60_000;
}

/** Characters, not UTF-16 units (README: lengths are in characters). */
export function charLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
