import { Agent, request } from "undici";

/**
 * The webhook delivery engine the simulators share: a queue of deliveries, each POSTed to its
 * endpoint with retries on the upstream's schedule, and a log of every attempt tests can read and
 * await. A delivery is one event for one endpoint: its body bytes never change between attempts,
 * its headers are rebuilt per attempt (timestamps and signatures that cover them are fresh).
 *
 * Deliveries run on timers, never inside the API request that caused the event, so a slow or dead
 * receiver cannot slow the simulated API down.
 */

/** What a header builder knows about the attempt it builds headers for. */
export interface WebhookAttemptContext {
  /** 1-based attempt number. */
  attempt: number;
  /** Unix seconds of this attempt, from the delivery clock. */
  timestamp: number;
}

export interface WebhookDeliveryInit {
  /** The delivery ID the receiver de-duplicates on; the same on every attempt. */
  deliveryId: string;
  /** The event this delivery carries. */
  eventId: string;
  eventType: string;
  url: string;
  /** The exact request body, identical on every attempt. */
  body: string | Buffer;
  /** Every request header of one attempt (content type included). */
  headers: (attempt: WebhookAttemptContext) => Record<string, string>;
  /** The endpoint this delivery is for: `cancel(endpointKey)` stops all of its pending deliveries. */
  endpointKey: string;
  /**
   * Checked before every attempt: false (the endpoint is gone or changed) cancels the delivery
   * without sending, even when no one called `cancel`.
   */
  isActive?: () => boolean;
}

/** What happened after an attempt. */
export type WebhookAttemptOutcome =
  /** A 2xx answer within the timeout: the delivery is done. */
  | "delivered"
  /** Failed; another attempt is scheduled `nextAttemptInMs` later. */
  | "retrying"
  /** Failed, and it was the last attempt of the schedule: the delivery is dropped. */
  | "dropped"
  /** Failed while its endpoint was removed: no further attempt. */
  | "cancelled";

/** One attempt, as recorded in the delivery log. */
export interface WebhookAttempt {
  deliveryId: string;
  eventId: string;
  eventType: string;
  url: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Unix seconds sent in this attempt's timestamp header. */
  timestamp: number;
  /** The HTTP status of the answer; null when none came (connection error, timeout). */
  status: number | null;
  /** Why no answer came (`timeout: …`, `connection error: …`); null when there was an answer. */
  error: string | null;
  outcome: WebhookAttemptOutcome;
  /** Delay before the next attempt when `outcome` is `retrying`, else null. */
  nextAttemptInMs: number | null;
}

export interface WebhookDispatcherOptions {
  /** For error messages, e.g. `cleanitall`. */
  name: string;
  /**
   * Delay before each attempt: the first entry is counted from the event (the references: 0,
   * immediately), each next one from the previous failure. Its length is the number of attempts.
   */
  attemptDelaysMs: readonly number[];
  /** An attempt fails unless a 2xx answer arrives within this time. */
  timeoutMs: number;
  /** Delivery clock (ms) for the timestamp headers. Default: real time. */
  clock?: () => number;
  /** Most recent attempts kept in `log` (default 10 000). */
  maxLogEntries?: number;
}

interface Delivery extends WebhookDeliveryInit {
  body: Buffer;
  /** Attempts made so far. */
  attempts: number;
  timer: NodeJS.Timeout | null;
  inFlight: boolean;
  cancelled: boolean;
}

type AttemptListener = (attempt: WebhookAttempt) => void;

const DEFAULT_MAX_LOG_ENTRIES = 10_000;

/** Why an attempt was aborted: its own timeout, or the dispatcher closing. */
class AttemptAborted extends Error {
  constructor(readonly reason: "timeout" | "closed") {
    super(reason);
  }
}

export class WebhookDispatcher {
  private readonly attemptDelaysMs: readonly number[];
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private readonly maxLogEntries: number;
  private readonly deliveries = new Set<Delivery>();
  private readonly aborts = new Set<AbortController>();
  private readonly listeners = new Set<AttemptListener>();
  private idleWaiters: Array<() => void> = [];
  /** Rejections of `waitForAttempt` promises still open when the dispatcher closes. */
  private readonly closeWaiters = new Set<() => void>();
  private readonly entries: WebhookAttempt[] = [];
  // Its own connection pool, so `close()` can drop every connection it opened.
  private readonly agent: Agent;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {
    const delays = options.attemptDelaysMs;
    if (delays.length === 0 || delays.some((ms) => !Number.isFinite(ms) || ms < 0)) {
      throw new Error(`${options.name} webhooks: attemptDelaysMs must be non-negative numbers, at least one`);
    }
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new Error(`${options.name} webhooks: timeoutMs must be a positive number`);
    }
    this.attemptDelaysMs = [...delays];
    this.timeoutMs = options.timeoutMs;
    this.clock = options.clock ?? Date.now;
    this.maxLogEntries = options.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES;
    this.agent = new Agent({ connect: { timeout: options.timeoutMs } });
  }

  /** Every attempt so far, oldest first (the most recent `maxLogEntries`). */
  get log(): readonly WebhookAttempt[] {
    return this.entries;
  }

  clearLog(): void {
    this.entries.length = 0;
  }

  /** Deliveries waiting for an attempt or with one in flight. */
  get pending(): number {
    return this.deliveries.size;
  }

  /** Queues a delivery; its first attempt runs after the first delay, never synchronously. */
  enqueue(init: WebhookDeliveryInit): void {
    if (this.closed) return;
    const delivery: Delivery = {
      ...init,
      body: typeof init.body === "string" ? Buffer.from(init.body, "utf8") : init.body,
      attempts: 0,
      timer: null,
      inFlight: false,
      cancelled: false,
    };
    this.deliveries.add(delivery);
    this.schedule(delivery, this.attemptDelaysMs[0] ?? 0);
  }

  /** Stops every pending delivery to an endpoint; an attempt in flight finishes but is not retried. */
  cancel(endpointKey: string): number {
    let cancelled = 0;
    for (const delivery of this.deliveries) {
      if (delivery.endpointKey !== endpointKey) continue;
      cancelled++;
      delivery.cancelled = true;
      if (!delivery.inFlight) this.finish(delivery);
    }
    return cancelled;
  }

  /** Calls `listener` after every attempt is logged; returns the unsubscribe function. */
  onAttempt(listener: AttemptListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The first logged attempt that matches, already made or still to come. Rejects when the
   * dispatcher closes first, so a test waiting for an attempt that never comes fails clearly.
   */
  waitForAttempt(matches: (attempt: WebhookAttempt) => boolean = () => true): Promise<WebhookAttempt> {
    const made = this.entries.find(matches);
    if (made) return Promise.resolve(made);
    if (this.closed) return Promise.reject(new Error(`${this.options.name} webhooks: dispatcher is closed`));
    return new Promise((resolve, reject) => {
      const stop = this.onAttempt((attempt) => {
        if (!matches(attempt)) return;
        stop();
        this.closeWaiters.delete(onClose);
        resolve(attempt);
      });
      const onClose = () => {
        stop();
        reject(new Error(`${this.options.name} webhooks: dispatcher closed before the attempt`));
      };
      this.closeWaiters.add(onClose);
    });
  }

  /** Resolves once no delivery is waiting or in flight (at once when none is). */
  idle(): Promise<void> {
    if (this.deliveries.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels every pending delivery and aborts attempts in flight; later events are not sent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const delivery of this.deliveries) {
      delivery.cancelled = true;
      if (delivery.timer) clearTimeout(delivery.timer);
      delivery.timer = null;
    }
    for (const controller of this.aborts) controller.abort(new AttemptAborted("closed"));
    this.deliveries.clear();
    this.resolveIdle();
    for (const onClose of [...this.closeWaiters]) onClose();
    this.closeWaiters.clear();
    await this.agent.destroy();
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    delivery.timer = setTimeout(() => {
      delivery.timer = null;
      void this.attempt(delivery);
    }, delayMs);
    // A waiting retry (hours, by the references' schedules) must not keep a process alive.
    delivery.timer.unref();
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (delivery.cancelled || this.closed) return;
    if (delivery.isActive && !delivery.isActive()) {
      delivery.cancelled = true;
      this.finish(delivery);
      return;
    }
    delivery.attempts++;
    delivery.inFlight = true;
    const timestamp = Math.floor(this.clock() / 1000);
    const { status, error } = await this.send(delivery, { attempt: delivery.attempts, timestamp });
    delivery.inFlight = false;
    if (this.closed) return;

    const delivered = status !== null && status >= 200 && status < 300;
    const nextDelay = this.attemptDelaysMs[delivery.attempts];
    const outcome: WebhookAttemptOutcome = delivered
      ? "delivered"
      : delivery.cancelled
        ? "cancelled"
        : nextDelay === undefined
          ? "dropped"
          : "retrying";
    this.record({
      deliveryId: delivery.deliveryId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      url: delivery.url,
      attempt: delivery.attempts,
      timestamp,
      status,
      error,
      outcome,
      nextAttemptInMs: outcome === "retrying" ? (nextDelay ?? null) : null,
    });
    if (outcome === "retrying" && nextDelay !== undefined) this.schedule(delivery, nextDelay);
    else this.finish(delivery);
  }

  /** One POST. Redirects are answers like any other (not followed); only 2xx counts as success. */
  private async send(
    delivery: Delivery,
    context: WebhookAttemptContext,
  ): Promise<{ status: number | null; error: string | null }> {
    const controller = new AbortController();
    this.aborts.add(controller);
    const timer = setTimeout(() => controller.abort(new AttemptAborted("timeout")), this.timeoutMs);
    try {
      const response = await request(delivery.url, {
        method: "POST",
        headers: delivery.headers(context),
        body: delivery.body,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      // The answer's body means nothing to the sender; drain it so the connection can be reused.
      response.body.dump({ limit: 64 * 1024 }).catch(() => {});
      return { status: response.statusCode, error: null };
    } catch (error) {
      const reason = controller.signal.reason;
      if (reason instanceof AttemptAborted) {
        return {
          status: null,
          error: reason.reason === "timeout" ? `timeout: no answer within ${this.timeoutMs} ms` : "cancelled",
        };
      }
      return { status: null, error: `connection error: ${describeError(error)}` };
    } finally {
      clearTimeout(timer);
      this.aborts.delete(controller);
    }
  }

  private record(attempt: WebhookAttempt): void {
    this.entries.push(attempt);
    if (this.entries.length > this.maxLogEntries)
      this.entries.splice(0, this.entries.length - this.maxLogEntries);
    for (const listener of [...this.listeners]) {
      try {
        listener(attempt);
      } catch (error) {
        console.error(`${this.options.name} webhooks: onAttempt listener failed`, error);
      }
    }
  }

  private finish(delivery: Delivery): void {
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = null;
    this.deliveries.delete(delivery);
    if (this.deliveries.size === 0) this.resolveIdle();
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** `other side closed (UND_ERR_SOCKET)`: the message and, when there is one, the error code. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = "code" in error && typeof error.code === "string" ? error.code : null;
  // Node wraps some connection failures (AggregateError of IPv4/IPv6 tries) with an empty message.
  const message = error.message || (error instanceof AggregateError ? String(error.errors[0]) : error.name);
  return code ? `${message} (${code})` : message;
}
