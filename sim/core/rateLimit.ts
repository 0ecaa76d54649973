/**
 * Fixed-window request counters, per credential, as the references describe them.
 * `aligned` windows start on multiples of the window length from the Unix epoch (CleanItAll's
 * clock hour); otherwise a window opens with the first request after the previous one expired
 * (Laravel's throttle, Check-in ARTISAN).
 */
export interface RateLimitSettings {
  limit: number;
  windowMs: number;
  aligned: boolean;
}

export interface RateLimitVerdict {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one (0 when refused). */
  remaining: number;
  /** When the current window ends, in epoch milliseconds. */
  resetAtMs: number;
}

export class FixedWindowLimiter {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(
    public settings: RateLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private window(key: string): { start: number; used: number } {
    const now = this.now();
    const { windowMs, aligned } = this.settings;
    let window = this.windows.get(key);
    const start = aligned ? Math.floor(now / windowMs) * windowMs : (window?.start ?? now);
    if (!window || now >= window.start + windowMs || (aligned && window.start !== start)) {
      window = { start: aligned ? start : now, used: 0 };
      this.windows.set(key, window);
    }
    return window;
  }

  /** Counts one request against `key` unless the window is exhausted. */
  hit(key: string): RateLimitVerdict {
    const window = this.window(key);
    const { limit, windowMs } = this.settings;
    const resetAtMs = window.start + windowMs;
    if (window.used >= limit) return { allowed: false, limit, remaining: 0, resetAtMs };
    window.used++;
    return { allowed: true, limit, remaining: limit - window.used, resetAtMs };
  }

  /** Forgets every window (tests start from a full budget). */
  reset(): void {
    this.windows.clear();
  }
}
