import { setTimeout as sleep } from "node:timers/promises";
import { LRUCache } from "lru-cache";
import { type Dispatcher, Pool } from "undici";
import { type SourceId, UpstreamError, type UpstreamErrorCode } from "../errors.js";

/**
 * The shared HTTP layer every datasource goes through. It owns what no datasource re-implements:
 * one keep-alive undici Pool per upstream origin, per-attempt timeouts (undici's own default is
 * 300 s), retries with jittered backoff for idempotent requests only, the cross-request response
 * cache with in-flight de-duplication, and the mapping of transport failures to the gateway's
 * UPSTREAM_* codes. Datasources see only parsed JSON and the HTTP status.
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
}

export interface HttpLayerOptions {
  timeoutMs: number;
  retries: number;
  connections: number;
  cache: { ttlMs: number; maxEntries: number };
  /** Injected dispatcher factory (tests swap it); default: one undici Pool per origin. */
  dispatcherFor?: (origin: string) => Dispatcher;
  /** Base of the exponential retry backoff, before jitter. */
  retryBaseDelayMs?: number;
  /** Longest upstream Retry-After the layer will wait out before giving up. */
  maxRetryAfterMs?: number;
}

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
  response: Promise<UpstreamResponse>;
}

/** The most a reply may hold: upstream JSON pages and PDFs are far smaller. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

class TransientFailure extends Error {
  constructor(
    readonly code: UpstreamErrorCode,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
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

function flattenHeaders(headers: Dispatcher.ResponseData["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

export class HttpLayer {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly cache: LRUCache<string, CacheEntry> | null;
  private readonly observers: UpstreamObserver[] = [];

  constructor(private readonly options: HttpLayerOptions) {
    this.cache =
      options.cache.ttlMs > 0
        ? new LRUCache({ max: options.cache.maxEntries, ttl: options.cache.ttlMs })
        : null;
  }

  observe(observer: UpstreamObserver): () => void {
    this.observers.push(observer);
    return () => this.observers.splice(this.observers.indexOf(observer), 1);
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
   * source and URL), and identical GETs in flight share one upstream call.
   */
  request(
    target: UpstreamTarget,
    request: UpstreamRequest,
    options: { ttlMs?: number } = {},
  ): Promise<UpstreamResponse> {
    const ttl = options.ttlMs ?? this.options.cache.ttlMs;
    // lru-cache reads a TTL of 0 as "never expires": a zero TTL here means "do not cache".
    if (effectOf(request) !== "read" || !this.cache || ttl <= 0) return this.send(target, request);
    const key = this.cacheKey(target, request);
    const hit = this.cache.get(key);
    if (hit) {
      this.notify(target, request, 200, "ok", 0, true);
      return hit.response;
    }
    const response = this.send(target, request);
    const entry = { response };
    // In flight the entry does not expire (the call always settles: every attempt has a timeout), so
    // identical GETs share it however slow the upstream is; freshness then counts from the answer.
    this.cache.set(key, entry, { ttl: 0 });
    // Only successes are reused: errors and non-2xx answers are dropped as soon as they settle.
    response.then(
      (value) => {
        if (value.status < 200 || value.status >= 300) this.dropEntry(key, entry);
        else if (this.cache?.peek(key) === entry) this.cache.set(key, entry, { ttl });
      },
      () => this.dropEntry(key, entry),
    );
    return response;
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
    await Promise.all(dispatchers.map((dispatcher) => dispatcher.close()));
  }

  private cacheKey(target: UpstreamTarget, request: UpstreamRequest): string {
    return `${target.tenantId}\u0000${target.source}\u0000${request.path}${buildQueryString(request.query)}`;
  }

  private dropEntry(key: string, entry: CacheEntry): void {
    if (this.cache?.peek(key) === entry) this.cache.delete(key);
  }

  private async send(target: UpstreamTarget, request: UpstreamRequest): Promise<UpstreamResponse> {
    // Only requests that cannot change upstream state twice are retried.
    const attempts = effectOf(request) === "write" ? 1 : this.options.retries + 1;
    let lastFailure: TransientFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const started = performance.now();
      try {
        const response = await this.attempt(target, request);
        this.notify(target, request, response.status, "ok", performance.now() - started, false);
        return response;
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        lastFailure = error;
        const retryAfterMs = error.retryAfterMs;
        const maxWait = this.options.maxRetryAfterMs ?? 2_000;
        const canRetry = attempt < attempts && (retryAfterMs === undefined || retryAfterMs <= maxWait);
        this.notify(
          target,
          request,
          error.status ?? null,
          canRetry ? "retry" : "error",
          performance.now() - started,
          false,
        );
        if (!canRetry) break;
        const base = this.options.retryBaseDelayMs ?? 50;
        // Full jitter keeps many gateways from retrying in lock-step against a struggling upstream.
        const backoff = Math.random() * base * 2 ** (attempt - 1);
        await sleep(Math.max(retryAfterMs ?? 0, backoff));
      }
    }
    const failure = lastFailure ?? new TransientFailure("UPSTREAM_ERROR", "no attempt made");
    throw new UpstreamError(target.source, failure.code, failure.message, {
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      ...(failure.retryAfterMs !== undefined
        ? { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }
        : {}),
    });
  }

  private async attempt(target: UpstreamTarget, request: UpstreamRequest): Promise<UpstreamResponse> {
    const url = new URL(`${target.baseUrl}${request.path}${buildQueryString(request.query)}`);
    const what = `${target.source} ${request.method} ${request.route}`;
    const signal = AbortSignal.timeout(target.timeoutMs);
    const binary = request.responseType === "binary";
    const headers: Record<string, string> = {
      accept: binary ? "*/*" : "application/json",
      ...request.headers,
      ...target.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
    }
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
        signal,
      });
      status = response.statusCode;
      responseHeaders = flattenHeaders(response.headers);
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
      if (signal.aborted) {
        throw new TransientFailure("UPSTREAM_TIMEOUT", `${what} timed out after ${target.timeoutMs} ms`);
      }
      const code = errorCode(error);
      if (code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT") {
        throw new TransientFailure("UPSTREAM_TIMEOUT", `${what} timed out`);
      }
      if (code && NETWORK_ERROR_CODES.has(code)) {
        throw new TransientFailure("UPSTREAM_UNAVAILABLE", `${what} failed: connection error (${code})`);
      }
      throw new TransientFailure("UPSTREAM_UNAVAILABLE", `${what} failed: ${(error as Error).message}`);
    }

    if (status === 429) {
      throw new TransientFailure(
        "UPSTREAM_RATE_LIMITED",
        `${what} was rate limited by the upstream`,
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
        status,
        retryDelayFromHeaders(responseHeaders, Date.now(), { useRateLimitReset: false }),
      );
    }
    if (binary && status >= 200 && status < 300) {
      return { status, headers: responseHeaders, body: null, raw: bytes };
    }
    const text = bytes.toString("utf8");
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
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
