/**
 * Gateway-side filters for what an upstream cannot filter itself. `allOf` returns undefined when no
 * predicate applies, so callers can tell "filter nothing" (upstream pages are used as they come)
 * from "filter" (streams scan full pages).
 */
export type Predicate<T> = (record: T) => boolean;

export function allOf<T>(...predicates: Array<Predicate<T> | false | undefined>): Predicate<T> | undefined {
  const active = predicates.filter((predicate): predicate is Predicate<T> => Boolean(predicate));
  if (active.length === 0) return undefined;
  return (record) => active.every((predicate) => predicate(record));
}

/** The records that pass, or all of them when there is no predicate. */
export function keepMatching<T>(records: T[], predicate: Predicate<T> | undefined): T[] {
  return predicate ? records.filter(predicate) : records;
}
