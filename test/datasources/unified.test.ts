import { describe, expect, it } from "vitest";
import { formatCents, money, toCents } from "../../src/datasources/unified.js";

/**
 * The previous toCents, which rendered every amount with `toFixed(20)`: the fast path must give the
 * very same cents for every amount, so it is the oracle here.
 */
function toCentsByFixedPoint(amount: number): number {
  if (!Number.isFinite(amount)) throw new Error(`not a finite amount: ${amount}`);
  const text = Math.abs(amount).toFixed(20).replace(/0+$/, "");
  const shortest = String(Math.abs(amount));
  const decimal = shortest.includes("e") ? text : shortest;
  const [whole = "0", fraction = ""] = decimal.split(".");
  const padded = `${fraction}000`;
  let cents = Number(whole) * 100 + Number(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) cents += 1;
  return amount < 0 ? -cents : cents;
}

describe("toCents", () => {
  it.each([
    [259.8, 25980],
    [259.0, 25900],
    [0.1 + 0.2, 30],
    [1.005, 101],
    [1.004, 100],
    [2.675, 268],
    [0.125, 13],
    [19.999, 2000],
    [-259.8, -25980],
    [-1.005, -101],
    [-0, 0],
    [0, 0],
    [7, 700],
    [-7, -700],
    [1e-7, 0],
    [0.005, 1],
    [5e-3, 1],
    [123456789.12, 12345678912],
  ])("%d -> %i cents", (amount, cents) => {
    expect(toCents(amount)).toBe(cents);
  });

  it("gives the cents the fixed-point rendering gives, for every half cent to 1 000.00 and a spread above", () => {
    const amounts: number[] = [];
    // Half cents too: the third decimal decides the rounding.
    for (let halfCents = 0; halfCents <= 200_000; halfCents++) amounts.push(halfCents / 200);
    // Amounts to 100 000 with 1 to 4 decimals, from a fixed linear congruential sequence.
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 100_000; i++) {
      const decimals = 1 + (next() % 4);
      amounts.push(Number(((next() % 1_000_000_000) / 10_000).toFixed(decimals)));
    }
    const mismatches = amounts
      .flatMap((amount) => [amount, -amount])
      .filter((amount) => toCents(amount) !== toCentsByFixedPoint(amount));
    expect(mismatches).toEqual([]);
  });

  it("gives the cents the fixed-point rendering gives for amounts written with an exponent", () => {
    const amounts = [1e-7, 4.9e-7, 5e-7, 1.23e-10, 9.999e-7, 1e21, 1.5e21, 2 ** 53, 2 ** 53 + 2, 1e300];
    for (const amount of [...amounts, ...amounts.map((value) => -value)]) {
      expect(toCents(amount)).toBe(toCentsByFixedPoint(amount));
    }
  });

  it("refuses amounts that are not finite", () => {
    expect(() => toCents(Number.NaN)).toThrow("not a finite amount: NaN");
    expect(() => toCents(Number.POSITIVE_INFINITY)).toThrow("not a finite amount: Infinity");
  });

  it("round-trips through money and formatCents", () => {
    expect(money(259.8, "USD")).toEqual({ cents: 25980, currency: "USD" });
    expect(formatCents(toCents(259.8))).toBe("259.80");
    expect(formatCents(toCents(-0.07))).toBe("-0.07");
  });
});
