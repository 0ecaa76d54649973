import { GraphQLError, Kind } from "graphql";
import { builder } from "../builder.js";

/** Scalars: validated on input, so a bad value never reaches an upstream. */

function stringScalar(
  name: string,
  description: string,
  valid: (value: string) => boolean,
  expected: string,
) {
  const check = (value: unknown): string => {
    if (typeof value !== "string" || !valid(value)) {
      throw new GraphQLError(`${name} must be ${expected}; got ${JSON.stringify(value)?.slice(0, 64)}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return value;
  };
  builder.scalarType(name as "DateTime" | "Date" | "Decimal", {
    description,
    serialize: (value) => String(value),
    parseValue: check,
    parseLiteral: (ast) => check(ast.kind === Kind.STRING ? ast.value : undefined),
  });
}

export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

stringScalar(
  "DateTime",
  "An RFC 3339 timestamp with its offset, e.g. `2026-03-20T14:05:00Z` or `2026-01-15T10:30:00+01:00`. Upstream offsets are kept: ARTISAN renders times in the company's timezone.",
  (value) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value)),
  "an RFC 3339 timestamp with offset",
);

stringScalar("Date", "A calendar date, `YYYY-MM-DD`.", isCalendarDate, "a date as YYYY-MM-DD");

stringScalar(
  "Decimal",
  "An exact decimal number as a string, e.g. `259.80`. Money amounts always have two decimals.",
  (value) => /^-?\d+(\.\d+)?$/.test(value),
  'a decimal number as a string, e.g. "259.80"',
);
