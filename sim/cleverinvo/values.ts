import { DAY_MS, isoDateUtc } from "../core/time.js";
import type { CleverInvoLineItem } from "./types.js";

/**
 * Value helpers shared by seeding, the API and the PDF: exact money arithmetic (README §6: round2
 * is half away from zero in exact decimal arithmetic, so JSON numbers are read through their
 * shortest decimal text) and the formats of the reference (§1).
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

/** `numerator / denominator` (denominator > 0) rounded to an integer, half away from zero. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  let quotient = magnitude / denominator;
  if ((magnitude % denominator) * 2n >= denominator) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** round2(value) in integer cents. */
export function toCents(value: number): number {
  const { digits, scale } = decimalParts(value);
  return Number(divideRounded(digits * 100n, 10n ** BigInt(scale)));
}

export function fromCents(cents: number): number {
  return cents / 100;
}

/** round2(a × b) in cents, exact. */
export function multiplyToCents(a: number, b: number): number {
  const x = decimalParts(a);
  const y = decimalParts(b);
  return Number(divideRounded(x.digits * y.digits * 100n, 10n ** BigInt(x.scale + y.scale)));
}

/** round2(amount × percent / 100) in cents, for an amount already in cents. */
export function percentOfCents(amountCents: number, percent: number): number {
  const p = decimalParts(percent);
  return Number(divideRounded(BigInt(amountCents) * p.digits, 100n * 10n ** BigInt(p.scale)));
}

export interface LineInput {
  description: string;
  quantity: number;
  unitPrice: number;
  taxRate: number;
}

export interface Totals {
  lineItems: CleverInvoLineItem[];
  subtotal: number;
  taxTotal: number;
}

/** §6.2: per line `amount` = round2(q × p), tax = round2(amount × rate / 100); sums in cents. */
export function computeLines(lines: readonly LineInput[]): Totals {
  let subtotalCents = 0;
  let taxCents = 0;
  const lineItems = lines.map((line) => {
    const amountCents = multiplyToCents(line.quantity, line.unitPrice);
    subtotalCents += amountCents;
    taxCents += percentOfCents(amountCents, line.taxRate);
    return {
      description: line.description,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      amount: fromCents(amountCents),
      taxRate: line.taxRate,
    };
  });
  return { lineItems, subtotal: fromCents(subtotalCents), taxTotal: fromCents(taxCents) };
}

/** `subtotal + taxTotal − discountTotal`, exact. */
export function invoiceTotal(subtotal: number, taxTotal: number, discountTotal: number): number {
  return fromCents(toCents(subtotal) + toCents(taxTotal) - toCents(discountTotal));
}

/** `1234.5` → `1,234.50` (for the PDF). */
export function formatMoney(value: number): string {
  const cents = toCents(value);
  const negative = cents < 0;
  const abs = Math.abs(cents);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${negative ? "-" : ""}${whole}.${String(abs % 100).padStart(2, "0")}`;
}

export function isValidDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function addDays(date: string, days: number): string {
  return isoDateUtc(new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS));
}

/** `2024-01-15T00:00:00.000Z`: UTC with milliseconds (§1). */
export function isoMillis(date: Date | number): string {
  return new Date(date).toISOString();
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
