import { BadInputError } from "../errors.js";

/** Argument checks beyond what GraphQL types express. Each throws BAD_USER_INPUT naming the argument. */

export function checkDateRange(
  from: string | null | undefined,
  to: string | null | undefined,
  fromName: string,
  toName: string,
): void {
  if (from && to && from > to)
    throw new BadInputError(`${fromName} (${from}) is after ${toName} (${to}).`, fromName);
}

export function checkSearch(search: string | null | undefined, argument: string): string | undefined {
  if (search === null || search === undefined) return undefined;
  const trimmed = search.trim();
  if (trimmed.length < 1 || trimmed.length > 100) {
    throw new BadInputError(
      `${argument} must be 1 to 100 characters (not counting surrounding spaces).`,
      argument,
    );
  }
  return trimmed;
}
