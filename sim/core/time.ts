/**
 * Seed data is generated relative to this fixed instant, so every run of every simulator produces
 * the same records whatever the date. Writes made at run time use the real clock.
 */
export const SEED_ANCHOR = new Date("2026-03-01T12:00:00Z");

export const DAY_MS = 86_400_000;

/** `2026-03-20T14:05:00Z`: UTC, second precision. */
export function isoSecondsUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** `YYYY-MM-DD` of the UTC date. */
export function isoDateUtc(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * ISO 8601 with seconds and the zone's offset, no fraction, as seen in `timeZone`:
 * `2026-01-15T10:30:00+01:00`. DST-aware through Intl.
 */
export function isoInZone(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(date);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "00";
  const local = `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}:${get("second")}`;
  const asUtc = Date.parse(`${local}Z`);
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const offset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  return `${local}${offset}`;
}

/** `YYYY-MM-DD` of the date as seen in `timeZone`. */
export function dateInZone(date: Date, timeZone: string): string {
  return isoInZone(date, timeZone).slice(0, 10);
}
