/**
 * Company-timezone clock arithmetic. `isoInZone` from the core builds an Intl formatter per call,
 * which is too slow for seeding ~12k timestamps; this keeps one formatter per zone and memoises
 * offsets per UTC day, or per 15-minute bucket on transition days (every modern transition falls
 * on such a boundary), while
 * producing exactly the same text as `isoInZone`.
 */

const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const BUCKETS_PER_DAY = DAY_MS / BUCKET_MS;

export interface Zone {
  readonly name: string;
  /** Offset from UTC in minutes at the instant `ms`. */
  offsetMinutes(ms: number): number;
  /** `2026-01-15T10:30:00+01:00` in this zone, second precision. */
  render(ms: number): string;
  /** The instant of a wall-clock time in this zone (month 1-12). */
  fromLocal(
    year: number,
    month: number,
    day: number,
    hour?: number,
    minute?: number,
    second?: number,
  ): number;
}

const zones = new Map<string, Zone>();

export function zone(name: string): Zone {
  const known = zones.get(name);
  if (known) return known;
  const created = createZone(name);
  zones.set(name, created);
  return created;
}

function createZone(name: string): Zone {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: name,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const offsets = new Map<number, number>();

  const computeOffset = (ms: number): number => {
    const parts = format.formatToParts(new Date(ms));
    const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? "0");
    const asUtc = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
  };

  const bucketOffset = (bucket: number): number => {
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      offset = computeOffset(bucket * BUCKET_MS);
      offsets.set(bucket, offset);
    }
    return offset;
  };

  // A UTC day whose first and last buckets agree has no transition (zones change at most once a day).
  const days = new Map<number, number | null>();
  const offsetMinutes = (ms: number): number => {
    const day = Math.floor(ms / DAY_MS);
    let steady = days.get(day);
    if (steady === undefined) {
      const first = bucketOffset(day * BUCKETS_PER_DAY);
      steady = first === bucketOffset(day * BUCKETS_PER_DAY + BUCKETS_PER_DAY - 1) ? first : null;
      days.set(day, steady);
    }
    return steady ?? bucketOffset(Math.floor(ms / BUCKET_MS));
  };

  const render = (ms: number): string => {
    const seconds = Math.floor(ms / 1000) * 1000;
    const offset = offsetMinutes(seconds);
    const local = new Date(seconds + offset * 60_000).toISOString().slice(0, 19);
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  };

  const fromLocal = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number => {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    // Offsets in force half a day either side cover both sides of any transition.
    const before = offsetMinutes(wall - 43_200_000);
    const after = offsetMinutes(wall + 43_200_000);
    const candidates = [wall - before * 60_000, wall - after * 60_000]
      .filter((ms) => wall - offsetMinutes(ms) * 60_000 === ms)
      .sort((a, b) => a - b);
    // Ambiguous (clocks back): the earlier instant, as PHP does. Gap (clocks forward): the wall time
    // read with the offset before the jump, i.e. shifted forward (02:30 → 03:30+02:00), as PHP does.
    return candidates[0] ?? wall - before * 60_000;
  };

  offsetMinutes(Date.now());
  return { name, offsetMinutes, render, fromLocal };
}
