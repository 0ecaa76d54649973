/**
 * Time-zone clock arithmetic for seeding and rendering. `isoInZone` from the core builds an Intl
 * formatter per call, too slow for the ~15k timestamps of a seed; this keeps one formatter per zone
 * and memoises offsets per UTC day, or per 15-minute bucket on transition days (every modern
 * transition falls on such a boundary), producing exactly the text `isoInZone` produces. Same
 * approach as sim/artisan/zone.ts.
 */

const BUCKET_MS = 15 * 60_000;
const DAY_MS = 86_400_000;
const BUCKETS_PER_DAY = DAY_MS / BUCKET_MS;

export interface Zone {
  readonly name: string;
  /** Offset from UTC in minutes at the instant `ms`. */
  offsetMinutes(ms: number): number;
  /** `2019-05-02T10:16:42-05:00` in this zone, second precision (fraction truncated). */
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

/** Every JobCloser timestamp is rendered in US Central time (jobcloser.md §1). */
export const CENTRAL = "America/Chicago";

const zones = new Map<string, Zone>();

/** Standard offsets of the US zones whose DST rules are computed arithmetically. */
const US_ZONES: Record<string, number> = {
  "America/New_York": -300,
  "America/Chicago": -360,
  "America/Denver": -420,
  "America/Los_Angeles": -480,
};

export function zone(name: string): Zone {
  const known = zones.get(name);
  if (known) return known;
  const standard = US_ZONES[name];
  const created = standard === undefined ? createZone(name) : createUsZone(name, standard);
  zones.set(name, created);
  return created;
}

/** The zone all timestamps are rendered in. */
export const central = (): Zone => zone(CENTRAL);

const PAD2 = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, "0"));
const pad2 = (n: number): string => PAD2[n] ?? String(n).padStart(2, "0");

/**
 * `YYYY-MM-DDTHH:MM:SS` of a UTC instant (whole seconds), without allocating a Date: the
 * days-to-civil conversion of H. Hinnant's date algorithms. Seeding renders ~15k timestamps.
 */
function wallClock(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const secondsOfDay = Math.floor((ms - days * DAY_MS) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(secondsOfDay / 3600);
  const minute = Math.floor((secondsOfDay % 3600) / 60);
  const second = secondsOfDay % 60;
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
}

/**
 * A US zone from the Energy Policy Act rules (since 2007: second Sunday of March to first Sunday of
 * November; 1987–2006: first Sunday of April to last Sunday of October; 02:00 local both ways),
 * with Intl for other years. Same results as Intl's tz data for those years, without its cost.
 */
function createUsZone(name: string, standard: number): Zone {
  let intl: Zone | null = null;
  const fallback = () => {
    intl ??= createZone(name);
    return intl;
  };
  const sunday = (year: number, month: number, nth: number): number => {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + (nth - 1) * 7;
  };
  const lastSunday = (year: number, month: number): number => {
    const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const last = new Date(Date.UTC(year, month, days)).getUTCDay();
    return days - last;
  };
  const windows = new Map<number, [number, number] | null>();
  const dstWindow = (year: number): [number, number] | null => {
    let window = windows.get(year);
    if (window === undefined) {
      if (year >= 2007 && year < 2100) {
        window = [
          Date.UTC(year, 2, sunday(year, 2, 2), 2) - standard * 60_000,
          Date.UTC(year, 10, sunday(year, 10, 1), 2) - (standard + 60) * 60_000,
        ];
      } else if (year >= 1987 && year < 2007) {
        window = [
          Date.UTC(year, 3, sunday(year, 3, 1), 2) - standard * 60_000,
          Date.UTC(year, 9, lastSunday(year, 9), 2) - (standard + 60) * 60_000,
        ];
      } else window = null;
      windows.set(year, window);
    }
    return window;
  };
  const offsetMinutes = (ms: number): number => {
    const year = new Date(ms + standard * 60_000).getUTCFullYear();
    const window = dstWindow(year);
    if (!window) return fallback().offsetMinutes(ms);
    return ms >= window[0] && ms < window[1] ? standard + 60 : standard;
  };
  return assemble(name, offsetMinutes);
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

  return assemble(name, offsetMinutes);
}

/** Rendering and wall-clock conversion on top of an offset function. */
function assemble(name: string, offsetMinutes: (ms: number) => number): Zone {
  const render = (ms: number): string => {
    const seconds = Math.floor(ms / 1000) * 1000;
    const offset = offsetMinutes(seconds);
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    return `${wallClock(seconds + offset * 60_000)}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
  };

  const fromLocal = (year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number => {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    // Offsets in force half a day either side cover both sides of any transition.
    const before = offsetMinutes(wall - 43_200_000);
    const after = offsetMinutes(wall + 43_200_000);
    const candidates = [wall - before * 60_000, wall - after * 60_000]
      .filter((ms) => wall - offsetMinutes(ms) * 60_000 === ms)
      .sort((a, b) => a - b);
    // Ambiguous (clocks back): the earlier instant. Gap (clocks forward): the wall time read with
    // the offset before the jump, i.e. shifted forward, as .NET's TimeZoneInfo conversion does.
    return candidates[0] ?? wall - before * 60_000;
  };

  return { name, offsetMinutes, render, fromLocal };
}
