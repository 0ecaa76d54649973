import type { SourceId } from "../errors.js";

/**
 * One circuit breaker per upstream and tenant (a tenant's credentials can fail alone: a revoked
 * plan, a suspended account, one tenant's shard). It opens after `threshold` consecutive transient
 * failures (5xx, connection errors, the upstream's own timeout), chosen over a failure rate in a
 * rolling window because a field-service tenant's traffic is bursty and often thin: five failures
 * in a row mean the same thing at 2 requests a minute as at 200, where a rate needs a minimum
 * volume to say anything. While open, requests fail fast without reaching the upstream; after
 * `cooldownMs` one probe goes through (half-open) and its outcome closes or reopens the circuit.
 *
 * What is not the upstream's fault counts neither way: 429 (the rate budget handles it), an
 * attempt cut short by the GraphQL request's own deadline, an unreadable body. 4xx answers show the
 * upstream is up and reset the count.
 */

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive transient failures that open the circuit (default 5). */
  threshold: number;
  /** How long an open circuit refuses before a probe may go (default 10 s). */
  cooldownMs: number;
}

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { threshold: 5, cooldownMs: 10_000 };

/** One breaker's state, for metrics and readiness. */
export interface BreakerStatus {
  tenantId: string;
  source: SourceId;
  state: BreakerState;
  /** Consecutive transient failures so far. */
  failures: number;
  /** When the circuit last opened (epoch ms); null while closed. */
  openedAt: number | null;
}

export interface BreakerChange extends BreakerStatus {
  previous: BreakerState;
}

export type BreakerListener = (change: BreakerChange) => void;

/** How an attempt went, as far as the upstream's health goes. */
export type AttemptVerdict = "success" | "failure" | "neutral";

export type BreakerAdmission =
  | { admitted: true; probe: boolean }
  | {
      admitted: false;
      failures: number;
      /** Until the next probe may go; 0 while one is under way. */
      retryInMs: number;
    };

interface Breaker {
  tenantId: string;
  source: SourceId;
  state: BreakerState;
  failures: number;
  openedAt: number | null;
  /** Half-open: the probe is in flight. */
  probing: boolean;
}

export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();
  private readonly listeners: BreakerListener[] = [];

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER_OPTIONS,
    private readonly clock: () => number = Date.now,
  ) {}

  onChange(listener: BreakerListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  /** Whether a request may go now, without taking the probe slot (before waiting on anything else). */
  check(tenantId: string, source: SourceId): BreakerAdmission {
    return this.decide(this.breakerOf(tenantId, source), false);
  }

  /** Lets a request through, taking the probe slot when the cooldown is over. */
  admit(tenantId: string, source: SourceId): BreakerAdmission {
    return this.decide(this.breakerOf(tenantId, source), true);
  }

  /** An admitted attempt's outcome. Late answers of requests admitted before the circuit opened change nothing. */
  record(tenantId: string, source: SourceId, probe: boolean, verdict: AttemptVerdict): void {
    const breaker = this.breakerOf(tenantId, source);
    if (probe) breaker.probing = false;
    if (!probe && breaker.state !== "closed") return;
    if (verdict === "success") {
      breaker.failures = 0;
      if (breaker.state !== "closed") {
        breaker.openedAt = null;
        this.move(breaker, "closed");
      }
    } else if (verdict === "failure") {
      breaker.failures++;
      if (probe || breaker.failures >= this.options.threshold) {
        breaker.openedAt = this.clock();
        this.move(breaker, "open");
      }
    }
  }

  statuses(): BreakerStatus[] {
    return [...this.breakers.values()].map((breaker) => this.status(breaker));
  }

  private decide(breaker: Breaker, take: boolean): BreakerAdmission {
    if (breaker.state === "closed") return { admitted: true, probe: false };
    if (breaker.state === "open") {
      const retryInMs = (breaker.openedAt ?? 0) + this.options.cooldownMs - this.clock();
      if (retryInMs > 0) return { admitted: false, failures: breaker.failures, retryInMs };
      if (!take) return { admitted: true, probe: false };
      this.move(breaker, "half-open");
    }
    if (breaker.probing) return { admitted: false, failures: breaker.failures, retryInMs: 0 };
    if (take) breaker.probing = true;
    return { admitted: true, probe: take };
  }

  private breakerOf(tenantId: string, source: SourceId): Breaker {
    const key = `${tenantId}\u0000${source}`;
    let breaker = this.breakers.get(key);
    if (!breaker) {
      breaker = { tenantId, source, state: "closed", failures: 0, openedAt: null, probing: false };
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  private status(breaker: Breaker): BreakerStatus {
    return {
      tenantId: breaker.tenantId,
      source: breaker.source,
      state: breaker.state,
      failures: breaker.failures,
      openedAt: breaker.openedAt,
    };
  }

  private move(breaker: Breaker, state: BreakerState): void {
    const previous = breaker.state;
    if (previous === state) return;
    breaker.state = state;
    const change = { ...this.status(breaker), previous };
    for (const listener of [...this.listeners]) listener(change);
  }
}
