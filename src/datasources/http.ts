import { setTimeout as sleep } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import { type Dispatcher, Pool } from "undici";
import { type SourceId, UpstreamError, type UpstreamErrorCode } from "../errors.js";
import {
  type AttemptVerdict,
  type BreakerListener,
  type BreakerOptions,
  type BreakerStatus,
  CircuitBreakers,
  DEFAULT_BREAKER_OPTIONS,
} from "./circuitBreaker.js";
import { ParsedBodies } from "./parsedBodies.js";
import {
  type BudgetDecision,
  type BudgetRedisOptions,
  type BudgetStatus,
  type BudgetTicket,
  DOCUMENTED_RATE_LIMITS,
  RateBudgets,
  type RateLimitPolicy,
  windowLabel,
} from "./rateBudget.js";
import type { ReadLog } from "./readLog.js";

/**
 * The shared HTTP layer every datasource goes through. It owns what no datasource re-implements:
 * one keep-alive undici Pool per upstream origin, per-attempt timeouts (undici's own default is
 * 300 s) within the GraphQL request's overall deadline, the request id sent upstream, retries with
 * jittered backoff for idempotent requests only, a rate budget per upstream credential, a circuit
 * breaker per upstream and tenant, the cross-request response cache with in-flight
 * de-duplication, and the mapping of transport failures to the gateway's UPSTREAM_* codes.
 * Datasources see only parsed JSON and the HTTP status.
 *
 * Budgets and breakers are enabled by their options. Before each attempt, in this order: the
 * deadline (no attempt starts after it), the breaker (an open circuit refuses without waiting on
 * anything), the budget (a read waits for the next window when that fits in the deadline; anything
 * else is refused), then the breaker again, which hands out the half-open probe only to a request
 * that is really about to go.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface UpstreamRequest {
  method: HttpMethod;
  /** Path below the upstream's base URL, with ids filled in: `/jobs/job_123`. */
  path: string;
  /** Route template for errors and metrics (`/jobs/:id`): never contains ids or secrets. */
  route: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** `binary`: keep a 2xx body as bytes (documents such as PDFs) instead of parsing JSON. */
  responseType?: "json" | "binary";
  /** Headers for this request only (an upstream `Idempotency-Key`). */
  headers?: Record<string, string>;
  /**
   * What sending it does upstream, which decides caching and retries. `read` (default for GET):
   * cached and retried. `idempotent-write`: retried, never cached (a write the upstream de-duplicates
   * by Idempotency-Key, or one that sets the same state however often it is sent). `write` (default
   * for every other method): sent once; a GET that changes state (JobCloser's delete) says so here.
   */
  effect?: RequestEffect;
}

export type RequestEffect = "read" | "idempotent-write" | "write";

export function effectOf(request: Pick<UpstreamRequest, "method" | "effect">): RequestEffect {
  return request.effect ?? (request.method === "GET" ? "read" : "write");
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body; null for an empty body or a binary response. */
  body: unknown;
  /** The bytes of a 2xx `binary` response. */
  raw?: Buffer;
}

/** What one upstream credential needs to talk to its API. */
export interface UpstreamTarget {
  source: SourceId;
  tenantId: string;
  baseUrl: string;
  /** Authentication headers, added to every request. */
  headers: Record<string, string>;
  timeoutMs: number;
  /**
   * This credential's rate limit when it differs from the source's (another plan); null: none.
   * Default: the layer's `rateBudgets.limits`, else the upstream reference's. Budgets apply only
   * when the layer has `rateBudgets`.
   */
  rateLimit?: RateLimitPolicy | null;
}

/**
 * The GraphQL request (or background job) upstream calls are made for. `deadlineAt` is read at
 * each call, so the owner of a long-lived scope (a subscription, resolving one event after
 * another) may move it forward.
 */
export interface RequestScope {
  /** Sent upstream as `X-Request-Id`, so upstream logs can be matched with the gateway's. */
  requestId: string;
  /** Epoch ms after which no upstream attempt starts and none runs on. */
  deadlineAt: number;
  /** Hears of every read, so the request's answer can be reused while they stay current. */
  reads?: ReadLog;
}

/** What clients send requests through: the layer itself, or its facade for one request scope. */
export interface UpstreamHttp {
  request(
    target: UpstreamTarget,
    request: UpstreamRequest,
    options?: { ttlMs?: number },
  ): Promise<UpstreamResponse>;
  invalidate(target: Pick<UpstreamTarget, "tenantId" | "source">, pathPrefix?: string): number;
  observe(observer: UpstreamObserver): () => void;
  /**
   * Tells the request's read log (if any) that what it read came from a cache a client keeps of
   * its own (JobCloser's list snapshots), current while `current()` holds.
   */
  dependsOn?(current: () => boolean, lifeMs: number): void;
}

export interface HttpLayerOptions {
  timeoutMs: number;
  retries: number;
  connections: number;
  /**
   * `parsedBodyBytes`: upstream bodies kept with their parsed value, so an answer identical to the
   * last one for its URL is not parsed and checked again (ParsedBodies); 0 turns that off.
   */
  cache: { ttlMs: number; maxEntries: number; parsedBodyBytes?: number };
  /**
   * Overall deadline of a request made without a scope (default 25 000 ms); a scope brings its
   * own `deadlineAt`.
   */
  deadlineMs?: number;
  /**
   * Client-side rate budgets per upstream credential, at the upstream references' limits unless
   * `limits` (or a target's `rateLimit`) says otherwise. Absent: no budgets (the upstreams' 429s
   * are still honoured per request).
   */
  rateBudgets?: {
    /** Per source, in place of the reference's limit (null: no budget for that source). */
    limits?: Partial<Record<SourceId, RateLimitPolicy | null>>;
    /** Shares the budgets between gateway instances; absent: each instance counts alone. */
    redis?: BudgetRedisOptions;
  };
  /**
   * A circuit breaker per upstream and tenant; `{}` for the defaults (5 consecutive failures,
   * 10 s cooldown). Absent: none.
   */
  breaker?: Partial<BreakerOptions>;
  /** Clock of rate windows and breaker cooldowns (tests pin it); deadlines use real time. */
  clock?: () => number;
  /** Injected dispatcher factory (tests swap it); default: one undici Pool per origin. */
  dispatcherFor?: (origin: string) => Dispatcher;
  /** Base of the exponential retry backoff, before jitter. */
  retryBaseDelayMs?: number;
  /** Longest upstream Retry-After the layer will wait out before giving up. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_DEADLINE_MS = 25_000;

/** Observer of every upstream attempt, for metrics and tests. */
export type UpstreamObserver = (event: {
  source: SourceId;
  tenantId: string;
  method: HttpMethod;
  route: string;
  status: number | null;
  outcome: "ok" | "error" | "retry";
  durationMs: number;
  cached: boolean;
}) => void;

interface CacheEntry {
  /** Tells this entry from a later one under the same key, without holding on to either. */
  version: number;
  response: Promise<UpstreamResponse>;
  /** The shared call's deadline: the latest of its waiters'. */
  deadline: Deadline;
  settled: boolean;
}

/**
 * A deadline that may move later. An in-flight GET shared by several GraphQL requests runs until
 * the latest of their deadlines (each waiter still stops waiting at its own), so a request that
 * joins a call started by one about to time out is not cut short by it.
 */
class Deadline {
  private readonly listeners = new Set<() => void>();

  constructor(private current: number) {}

  get at(): number {
    return this.current;
  }

  extend(at: number): void {
    if (at <= this.current) return;
    this.current = at;
    for (const listener of [...this.listeners]) listener();
  }

  onExtend(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Why an attempt was not made: the error for the caller, and the reason a retry names. */
class Refusal extends Error {
  constructor(
    readonly error: UpstreamError,
    readonly reason: string,
    /** Why, as a bounded label for metrics. */
    readonly kind: RefusalKind = error.code === "UPSTREAM_TIMEOUT"
      ? "deadline"
      : error.code === "UPSTREAM_RATE_LIMITED"
        ? "rate_budget"
        : "circuit_open",
  ) {
    super(error.message);
  }
}

/** Why the layer did not send a request at all. */
export type RefusalKind = "deadline" | "rate_budget" | "circuit_open";

/** Observer of requests the layer refused to send (metrics). */
export type RefusalObserver = (event: { tenantId: string; source: SourceId; kind: RefusalKind }) => void;

/** Request ids are forwarded only when they are a safe header value of reasonable length. */
const FORWARDABLE_REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The most a reply may hold: upstream JSON pages and PDFs are far smaller. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

class TransientFailure extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
    /** What it says about the upstream's health (the circuit breaker's count). */
    readonly verdict: AttemptVerdict,
    readonly status?: number,
    readonly retryAfterMs?: number,
    /** The GraphQL request's deadline ended the attempt: nothing is retried after it. */
    readonly deadlinePassed = false,
  ) {
    super(message);
  }
}

const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);

function errorCode(error: unknown): string | undefined {
  if (error && typeof error === "object") {
    const { code, cause } = error as { code?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    if (cause) return errorCode(cause);
  }
  return undefined;
}

/**
 * `Retry-After` (seconds or HTTP date), or for a 429 `X-RateLimit-Reset` (Unix seconds) ->
 * milliseconds to wait. CleanItAll sends `X-RateLimit-Reset` on every answer, errors included: on a
 * 5xx it is when the quota resets, not a hint to wait, so it counts only for rate limiting.
 */
export function retryDelayFromHeaders(
  headers: Record<string, string>,
  now = Date.now(),
  options: { useRateLimitReset: boolean } = { useRateLimitReset: true },
): number | undefined {
  const retryAfter = headers["retry-after"];
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  if (!options.useRateLimitReset) return undefined;
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return undefined;
}

export function buildQueryString(query: UpstreamRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

function parseJson(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString("utf8"));
}

function flattenHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

export class HttpLayer implements UpstreamHttp {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly cache: LRUCache<string, CacheEntry> | null;
  private readonly parsedBodies: ParsedBodies | null;
  private cacheVersions = 0;
  private readonly observers: UpstreamObserver[] = [];
  private readonly rateBudgets: RateBudgets | null;
  private readonly circuitBreakers: CircuitBreakers | null;
  /** Overall deadline of requests made without a scope. */
  readonly deadlineMs: number;

  constructor(private readonly options: HttpLayerOptions) {
    this.cache =
      options.cache.ttlMs > 0
        ? new LRUCache({ max: options.cache.maxEntries, ttl: options.cache.ttlMs })
        : null;
    const parsedBodyBytes = options.cache.parsedBodyBytes ?? 0;
    this.parsedBodies = parsedBodyBytes > 0 ? new ParsedBodies(parsedBodyBytes) : null;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const clock = options.clock ?? Date.now;
    this.rateBudgets = options.rateBudgets ? new RateBudgets(clock, options.rateBudgets.redis) : null;
    this.circuitBreakers = options.breaker
      ? new CircuitBreakers({ ...DEFAULT_BREAKER_OPTIONS, ...options.breaker }, clock)
      : null;
  }

  private readonly refusalObservers: RefusalObserver[] = [];

  /** Hears every request the layer refused to send (deadline passed, budget spent, circuit open). */
  onRefusal(observer: RefusalObserver): () => void {
    this.refusalObservers.push(observer);
    return () => this.refusalObservers.splice(this.refusalObservers.indexOf(observer), 1);
  }

  observe(observer: UpstreamObserver): () => void {
    this.observers.push(observer);
    return () => {
      const index = this.observers.indexOf(observer);
      if (index >= 0) this.observers.splice(index, 1);
    };
  }

  /** Tells of every breaker state change (metrics, logs); returns its unsubscribe. */
  onBreakerChange(listener: BreakerListener): () => void {
    return this.circuitBreakers?.onChange(listener) ?? (() => {});
  }

  /** The circuit breaker of each tenant's upstream that has seen a request (metrics, readiness). */
  breakers(): BreakerStatus[] {
    return this.circuitBreakers?.statuses() ?? [];
  }

  /** The rate budget of each upstream credential that has seen a request (metrics). */
  budgets(): BudgetStatus[] {
    return this.rateBudgets?.statuses() ?? [];
  }

  /**
   * The layer as one GraphQL request (or background job) sees it: its calls carry the scope's
   * request id upstream and stop at its deadline. Clients are built over this facade.
   */
  forRequest(scope: RequestScope): UpstreamHttp {
    return {
      request: (target, request, options = {}) => this.request(target, request, { ...options, scope }),
      invalidate: (target, pathPrefix) => this.invalidate(target, pathPrefix),
      observe: (observer) => this.observe(observer),
      dependsOn: (current, lifeMs) => scope.reads?.dependsOn(current, lifeMs),
    };
  }

  /** A scope for a request starting now: its deadline is `deadlineMs` away. */
  scope(requestId: string): RequestScope {
    return { requestId, deadlineAt: Date.now() + this.deadlineMs };
  }

  private dispatcher(origin: string): Dispatcher {
    let dispatcher = this.dispatchers.get(origin);
    if (!dispatcher) {
      dispatcher =
        this.options.dispatcherFor?.(origin) ??
        new Pool(origin, {
          connections: this.options.connections,
          keepAliveTimeout: 30_000,
          // Per-attempt limits are enforced below with an AbortSignal; these are only a backstop.
          headersTimeout: 120_000,
          bodyTimeout: 120_000,
        });
      this.dispatchers.set(origin, dispatcher);
    }
    return dispatcher;
  }

  /**
   * Sends one request. GETs are served from the cross-request cache when fresh (keyed by tenant,
   * source and URL), and identical GETs in flight share one upstream call. Without a scope the
   * request gets a deadline of its own (`deadlineMs`) and no request id.
   */
  request(
    target: UpstreamTarget,
    request: UpstreamRequest,
    options: { ttlMs?: number; scope?: RequestScope } = {},
  ): Promise<UpstreamResponse> {
    const deadlineAt = options.scope?.deadlineAt ?? Date.now() + this.deadlineMs;
    const requestId = options.scope?.requestId;
    const ttl = options.ttlMs ?? this.options.cache.ttlMs;
    const reads = options.scope?.reads;
    // lru-cache reads a TTL of 0 as "never expires": a zero TTL here means "do not cache".
    if (effectOf(request) !== "read" || !this.cache || ttl <= 0) {
      reads?.notReusable(`${target.source} ${request.method} ${request.route} is not cached`);
      return this.send(target, request, new Deadline(deadlineAt), requestId);
    }
    const key = this.cacheKey(target, request);
    const hit = this.cache.get(key);
    if (hit) {
      // A settled entry has what is left of its TTL; one in flight, its whole TTL once it settles.
      const left = this.cache.getRemainingTTL(key);
      reads?.dependsOn(this.stillCached(key, hit.version), Number.isFinite(left) ? left : ttl);
      if (hit.settled) {
        this.notify(target, request, 200, "ok", 0, true);
        return hit.response;
      }
      // Joining a call in flight: it runs on until this request's deadline too, if that is later.
      hit.deadline.extend(deadlineAt);
      this.notify(target, request, 200, "ok", 0, true);
      return this.waitWithin(hit.response, deadlineAt, target, request);
    }
    const deadline = new Deadline(deadlineAt);
    const entry: CacheEntry = {
      version: ++this.cacheVersions,
      response: this.send(target, request, deadline, requestId),
      deadline,
      settled: false,
    };
    reads?.dependsOn(this.stillCached(key, entry.version), ttl);
    // In flight the entry does not expire (the call always settles: every attempt has a timeout), so
    // identical GETs share it however slow the upstream is; freshness then counts from the answer.
    this.cache.set(key, entry, { ttl: 0 });
    // Only successes are reused: errors and non-2xx answers are dropped as soon as they settle.
    entry.response.then(
      (value) => {
        entry.settled = true;
        if (value.status < 200 || value.status >= 300) this.dropEntry(key, entry);
        else if (this.cache?.peek(key) === entry) this.cache.set(key, entry, { ttl });
      },
      () => {
        entry.settled = true;
        this.dropEntry(key, entry);
      },
    );
    return this.waitWithin(entry.response, deadlineAt, target, request);
  }

  /** Drops every cached GET of a tenant's source whose path starts with `pathPrefix` (after writes). */
  invalidate(target: Pick<UpstreamTarget, "tenantId" | "source">, pathPrefix = ""): number {
    if (!this.cache) return 0;
    const prefix = `${target.tenantId}\u0000${target.source}\u0000${pathPrefix}`;
    let dropped = 0;
    for (const key of [...this.cache.keys()]) {
      if (key.startsWith(prefix)) {
        this.cache.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  async close(): Promise<void> {
    const dispatchers = [...this.dispatchers.values()];
    this.dispatchers.clear();
    this.cache?.clear();
    this.parsedBodies?.clear();
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
  }

  private cacheKey(target: UpstreamTarget, request: UpstreamRequest): string {
    return `${target.tenantId}\u0000${target.source}\u0000${request.path}${buildQueryString(request.query)}`;
  }

  /** Whether the entry `version` is still the fresh answer under `key` (peek: a stale entry reads as absent). */
  private stillCached(key: string, version: number): () => boolean {
    return () => this.cache?.peek(key)?.version === version;
  }

  private dropEntry(key: string, entry: CacheEntry): void {
    if (this.cache?.peek(key) === entry) this.cache.delete(key);
  }

  /** A shared call's answer, or UPSTREAM_TIMEOUT when this waiter's own deadline comes first. */
  private waitWithin(
    pending: Promise<UpstreamResponse>,
    deadlineAt: number,
    target: UpstreamTarget,
    request: UpstreamRequest,
  ): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.deadlineError(target, request)),
        Math.max(0, deadlineAt - Date.now()),
      );
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private deadlineError(target: UpstreamTarget, request: UpstreamRequest): UpstreamError {
    return new UpstreamError(
      target.source,
      "UPSTREAM_TIMEOUT",
      `${describe(target, request)} timed out: the request's deadline passed`,
    );
  }

  private policyOf(target: UpstreamTarget): RateLimitPolicy | null {
    if (target.rateLimit !== undefined) return target.rateLimit;
    const configured = this.options.rateBudgets?.limits?.[target.source];
    return configured !== undefined ? configured : DOCUMENTED_RATE_LIMITS[target.source];
  }

  /**
   * Clears one attempt to go: the deadline, the breaker, the rate budget (a read waits for the next
   * window when that fits in the deadline). Throws a Refusal, having sent nothing.
   */
  private async admit(
    target: UpstreamTarget,
    request: UpstreamRequest,
    deadline: Deadline,
  ): Promise<{ ticket: BudgetTicket | null; probe: boolean }> {
    const what = describe(target, request);
    const { tenantId, source } = target;
    for (;;) {
      if (Date.now() >= deadline.at) {
        throw new Refusal(
          new UpstreamError(
            source,
            "UPSTREAM_TIMEOUT",
            `${what} was not sent: the request's deadline passed`,
          ),
          "the request's deadline passed",
        );
      }
      const open = this.circuitBreakers?.check(tenantId, source);
      if (open && !open.admitted) throw this.circuitOpen(target, what, open.failures, open.retryInMs);
      const decision: BudgetDecision = this.rateBudgets
        ? await this.rateBudgets.take(tenantId, source, this.policyOf(target))
        : { allowed: true, ticket: null };
      if (!decision.allowed) {
        // Waiting is only for reads: a write's caller hears at once and decides (its retry is safe
        // with an idempotency key).
        const waitFits = Date.now() + decision.retryAfterMs < deadline.at;
        if (effectOf(request) === "read" && waitFits) {
          await sleep(decision.retryAfterMs);
          continue;
        }
        const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
        const why =
          decision.reason === "upstream"
            ? `${source} asked to wait after answering HTTP 429`
            : `this tenant's ${source} rate budget (${decision.limit} requests per ${windowLabel(decision.windowMs)}) is spent`;
        throw new Refusal(
          new UpstreamError(
            source,
            "UPSTREAM_RATE_LIMITED",
            `${what} was not sent: ${why}; retry in ${retryAfterSeconds} s`,
            { retryAfterSeconds },
          ),
          "the rate budget is spent",
        );
      }
      // The circuit may have opened (or another probe started) while this request waited.
      const admission = this.circuitBreakers?.admit(tenantId, source) ?? { admitted: true, probe: false };
      if (!admission.admitted) {
        this.rateBudgets?.release(decision.ticket);
        throw this.circuitOpen(target, what, admission.failures, admission.retryInMs);
      }
      return { ticket: decision.ticket, probe: admission.probe };
    }
  }

  private circuitOpen(target: UpstreamTarget, what: string, failures: number, retryInMs: number): Refusal {
    const circuit = `circuit open after ${failures} failures`;
    const when =
      retryInMs > 0
        ? `retrying in ${Math.max(1, Math.ceil(retryInMs / 1000))} s`
        : "a probe request is checking the upstream";
    return new Refusal(
      new UpstreamError(target.source, "UPSTREAM_UNAVAILABLE", `${what} was not sent: ${circuit}; ${when}`),
      circuit,
    );
  }

  private async send(
    target: UpstreamTarget,
    request: UpstreamRequest,
    deadline: Deadline,
    requestId: string | undefined,
  ): Promise<UpstreamResponse> {
    // Only requests that cannot change upstream state twice are retried.
    const attempts = effectOf(request) === "write" ? 1 : this.options.retries + 1;
    let lastFailure: TransientFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let admitted: { ticket: BudgetTicket | null; probe: boolean };
      try {
        admitted = await this.admit(target, request, deadline);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        for (const observer of this.refusalObservers) {
          observer({ tenantId: target.tenantId, source: target.source, kind: error.kind });
        }
        // A retry that may not go: the failure that asked for it is what the caller needs to hear.
        if (lastFailure) throw this.failed(target, lastFailure, `not retried: ${error.reason}`);
        throw error.error;
      }
      const started = performance.now();
      let response: UpstreamResponse;
      try {
        response = await this.attempt(target, request, deadline, requestId, admitted.ticket);
      } catch (error) {
        const transient = error instanceof TransientFailure ? error : null;
        // Recorded before any pause, so a circuit this failure opens refuses the retry.
        this.circuitBreakers?.record(
          target.tenantId,
          target.source,
          admitted.probe,
          transient?.verdict ?? "neutral",
        );
        if (!transient) throw error;
        lastFailure = transient;
        const retryAfterMs = transient.retryAfterMs;
        const maxWait = this.options.maxRetryAfterMs ?? 2_000;
        const base = this.options.retryBaseDelayMs ?? 50;
        // Full jitter keeps many gateways from retrying in lock-step against a struggling upstream.
        const delay = Math.max(retryAfterMs ?? 0, Math.random() * base * 2 ** (attempt - 1));
        const wouldRetry =
          attempt < attempts &&
          !transient.deadlinePassed &&
          (retryAfterMs === undefined || retryAfterMs <= maxWait);
        // No retry starts after the deadline, so none waits for one that could not.
        const retryFits = Date.now() + delay < deadline.at;
        this.notify(
          target,
          request,
          transient.status ?? null,
          wouldRetry && retryFits ? "retry" : "error",
          performance.now() - started,
          false,
        );
        if (!wouldRetry) throw this.failed(target, transient);
        if (!retryFits) throw this.failed(target, transient, "not retried: the request's deadline passed");
        await sleep(delay);
        continue;
      }
      this.circuitBreakers?.record(target.tenantId, target.source, admitted.probe, "success");
      this.notify(target, request, response.status, "ok", performance.now() - started, false);
      return response;
    }
    throw this.failed(
      target,
      lastFailure ?? new TransientFailure("UPSTREAM_ERROR", "no attempt made", "neutral"),
    );
  }

  /** The UpstreamError a transient failure ends a request with. */
  private failed(target: UpstreamTarget, failure: TransientFailure, note?: string): UpstreamError {
    return new UpstreamError(
      target.source,
      failure.code,
      note ? `${failure.message} (${note})` : failure.message,
      {
        ...(failure.status !== undefined ? { status: failure.status } : {}),
        ...(failure.retryAfterMs !== undefined
          ? { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }
          : {}),
      },
    );
  }

  private async attempt(
    target: UpstreamTarget,
    request: UpstreamRequest,
    deadline: Deadline,
    requestId: string | undefined,
    ticket: BudgetTicket | null,
  ): Promise<UpstreamResponse> {
    const url = new URL(`${target.baseUrl}${request.path}${buildQueryString(request.query)}`);
    const what = describe(target, request);
    const binary = request.responseType === "binary";
    const headers: Record<string, string> = {
      accept: binary ? "*/*" : "application/json",
      ...request.headers,
      ...(requestId !== undefined && FORWARDABLE_REQUEST_ID.test(requestId)
        ? { "x-request-id": requestId }
        : {}),
      ...target.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }

    // The attempt ends at its own timeout or the request's deadline, whichever comes first; a
    // deadline moved later (another request joined this call) moves the end with it.
    const controller = new AbortController();
    const started = Date.now();
    let cutByDeadline = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      const ownEnd = started + target.timeoutMs;
      cutByDeadline = deadline.at < ownEnd;
      timer = setTimeout(() => controller.abort(), Math.max(0, Math.min(ownEnd, deadline.at) - Date.now()));
    };
    arm();
    const stopFollowing = deadline.onExtend(arm);

    let status: number;
    let responseHeaders: Record<string, string>;
    let bytes: Buffer;
    try {
      const response = await this.dispatcher(url.origin).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        body,
        signal: controller.signal,
      });
      status = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
      this.rateBudgets?.settle(ticket, {
        status,
        headers: responseHeaders,
        retryAfterMs: status === 429 ? retryDelayFromHeaders(responseHeaders) : undefined,
      });
      const received = Buffer.from(await response.body.arrayBuffer());
      if (received.length > MAX_BODY_BYTES) {
        throw new UpstreamError(
          target.source,
          "UPSTREAM_ERROR",
          `${what} answered with more than ${MAX_BODY_BYTES} bytes`,
        );
      }
      bytes = received;
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      if (controller.signal.aborted) {
        if (cutByDeadline) {
          throw new TransientFailure(
            "UPSTREAM_TIMEOUT",
            `${what} timed out: the request's deadline passed`,
            "neutral",
            undefined,
            undefined,
            true,
          );
        }
        throw new TransientFailure(
          "UPSTREAM_TIMEOUT",
          `${what} timed out after ${target.timeoutMs} ms`,
          "failure",
        );
      }
      const code = errorCode(error);
      if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
        throw new TransientFailure("UPSTREAM_TIMEOUT", `${what} timed out`, "failure");
      }
      if (code && NETWORK_ERROR_CODES.has(code)) {
        throw new TransientFailure(
          "UPSTREAM_UNAVAILABLE",
          `${what} failed: connection error (${code})`,
          "failure",
        );
      }
      throw new TransientFailure(
        "UPSTREAM_UNAVAILABLE",
        `${what} failed: ${(error as Error).message}`,
        "failure",
      );
    } finally {
      clearTimeout(timer);
      stopFollowing();
    }

    if (status === 429) {
      // Not the upstream's ill health: the rate budget, told by settle() above, handles it.
      throw new TransientFailure(
        "UPSTREAM_RATE_LIMITED",
        `${what} was rate limited by the upstream`,
        "neutral",
        status,
        retryDelayFromHeaders(responseHeaders),
      );
    }
    if (status >= 500) {
      const code: UpstreamErrorCode =
        status === 502 || status === 503 || status === 504 ? "UPSTREAM_UNAVAILABLE" : "UPSTREAM_ERROR";
      throw new TransientFailure(
        code,
        `${what} failed: HTTP ${status}`,
        "failure",
        status,
        retryDelayFromHeaders(responseHeaders, Date.now(), { useRateLimitReset: false }),
      );
    }
    if (binary && status >= 200 && status < 300) {
      return { status, headers: responseHeaders, body: null, raw: bytes };
    }
    let parsed: unknown = null;
    if (bytes.length > 0) {
      try {
        // A successful read's body may be the very bytes of the last one for its URL: its parsed
        // value is then reused, and everything derived from it (ParsedBodies).
        parsed =
          this.parsedBodies && effectOf(request) === "read" && status >= 200 && status < 300
            ? this.parsedBodies.parse(
                `${target.tenantId}\u0000${target.source}\u0000${url.pathname}${url.search}`,
                bytes,
                parseJson,
              )
            : parseJson(bytes);
      } catch {
        throw new UpstreamError(
          target.source,
          "UPSTREAM_ERROR",
          `${what} answered HTTP ${status} with a body that is not JSON`,
          {
            status,
          },
        );
      }
    }
    return { status, headers: responseHeaders, body: parsed };
  }

  private notify(
    target: UpstreamTarget,
    request: UpstreamRequest,
    status: number | null,
    outcome: "ok" | "error" | "retry",
    durationMs: number,
    cached: boolean,
  ): void {
    for (const observer of this.observers) {
      observer({
        source: target.source,
        tenantId: target.tenantId,
        method: request.method,
        route: request.route,
        status,
        outcome,
        durationMs,
        cached,
      });
    }
  }
}

/** `artisan GET /jobs/:id`: how messages name a request (the route template, never ids or secrets). */
function describe(target: UpstreamTarget, request: UpstreamRequest): string {
  return `${target.source} ${request.method} ${request.route}`;
}
