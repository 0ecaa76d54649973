/**
 * Exact decimal arithmetic for invoice totals (README convention 6): each JSON number is taken as the
 * decimal it prints as (0.1 is 1/10, not the nearest double), products are exact BigInt mantissas,
 * and round2 rounds half away from zero.
 */

interface Decimal {
  mantissa: bigint;
  /** Value = mantissa / 10^scale. */
  scale: number;
}

const TEN = 10n;

function decimal(value: number): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new Error(`not a finite number: ${value}`);
  const [, sign = "", whole = "0", fraction = "", exponent = "0"] = match;
  let mantissa = BigInt(`${sign}${whole}${fraction}`);
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    mantissa *= TEN ** BigInt(-scale);
    scale = 0;
  }
  return { mantissa, scale };
}

/** Rounds mantissa / 10^scale to an integer number of cents, half away from zero. */
function toCents({ mantissa, scale }: Decimal): bigint {
  if (scale <= 2) return mantissa * TEN ** BigInt(2 - scale);
  const divisor = TEN ** BigInt(scale - 2);
  let cents = mantissa / divisor;
  const remainder = mantissa % divisor;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  if (twice >= divisor) cents += mantissa < 0n ? -1n : 1n;
  return cents;
}

/** round2(quantity × unit price × (100 − discount) / 100), in cents. */
export function lineTotalCents(quantity: number, unitPrice: number, discountPercent: number): bigint {
  const q = decimal(quantity);
  const p = decimal(unitPrice);
  const d = decimal(discountPercent);
  const remaining = 100n * TEN ** BigInt(d.scale) - d.mantissa;
  return toCents({ mantissa: q.mantissa * p.mantissa * remaining, scale: q.scale + p.scale + d.scale + 2 });
}

/** Cents as a JSON number in major units (the nearest double to the exact decimal). */
export function centsToNumber(cents: bigint): number {
  return Number(cents) / 100;
}

/** round2 of a single number, exactly. */
export function round2(value: number): number {
  return centsToNumber(toCents(decimal(value)));
}
