/**
 * What one GraphQL request read from the gateway's upstream caches, so its answer can be given
 * again while everything it was built from is still current.
 *
 * An answer is a function of the upstream records behind it: every cached read records how to tell
 * that its entry still stands (not expired, not invalidated by a write or a webhook, not replaced)
 * and how long it may stand at most. Anything no cache stands behind (a read sent upstream uncached,
 * a signed link that expires, more reads than are worth tracking) makes the answer not reusable. So
 * a reused answer is never staler than the upstream cache would have made a fresh execution.
 */
export class ReadLog {
  /** Past this many reads an answer is cheaper to execute again than to check. */
  static readonly MAX_READS = 2_000;
  private readonly checks: Array<() => boolean> = [];
  private refusal: string | null = null;
  private shortestLifeMs = Number.POSITIVE_INFINITY;

  /**
   * A read served from (or stored into) a cache entry that stays current while `current()` holds,
   * and for `lifeMs` at most. `current` must not hold on to the entry's data: a kept answer keeps it.
   */
  dependsOn(current: () => boolean, lifeMs: number): void {
    if (this.refusal !== null) return;
    if (this.checks.length >= ReadLog.MAX_READS) {
      this.notReusable(`more than ${ReadLog.MAX_READS} cached reads`);
      return;
    }
    this.checks.push(current);
    this.shortestLifeMs = Math.min(this.shortestLifeMs, lifeMs);
  }

  /** The answer depends on something no cache tracks. */
  notReusable(why: string): void {
    if (this.refusal !== null) return;
    this.refusal = why;
    this.checks.length = 0;
  }

  /** Why the answer cannot be reused; null when it can. */
  get whyNotReusable(): string | null {
    return this.refusal;
  }

  /** The checks a stored answer runs before it is given again (empty when not reusable). */
  dependencies(): ReadonlyArray<() => boolean> {
    return this.refusal === null ? [...this.checks] : [];
  }

  /** How long the answer can stand at most: its shortest-lived read's life (Infinity with none). */
  get lifeMs(): number {
    return this.shortestLifeMs;
  }

  /** Starts over (a subscription resolves each event afresh with the same context). */
  clear(): void {
    this.refusal = null;
    this.checks.length = 0;
    this.shortestLifeMs = Number.POSITIVE_INFINITY;
  }
}
