import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { z } from "zod";

/**
 * Per-API-key rate limit of the gateway itself (GCRA, the generic cell rate algorithm).
 *
 * Each key earns one request every `60 / requestsPerMinute` seconds and may save up at most
 * `burst` of them. GCRA keeps a single number per key, the theoretical arrival time (TAT): the
 * moment the key's budget would be full again. A request of cost c moves it c emission intervals
 * later and is allowed while that stays within `burst` intervals of now. Unlike fixed windows there
 * is no window edge where a client can spend two windows' worth at once: after a burst, requests
 * pass at exactly the configured rate. A refused request spends nothing.
 *
 * Both implementations do the same integer arithmetic in microseconds (exact in doubles for the
 * next few centuries), so they give identical decisions for the same timings.
 *
 * `keyId` is the API key's stable label or digest, never the key itself: the limiter neither needs
 * the secret nor writes it anywhere (it becomes a Redis key name).
 */

export interface RateDecision {
  allowed: boolean;
  /** The key's capacity: requests it may send at once after being idle (`burst`). */
  limit: number;
  /** Requests (cost units) the key may send right now. */
  remaining: number;
  /** Seconds until the key's budget is full again (`remaining` back at `limit`). */
  resetSeconds: number;
  /**
   * Refusals only: seconds until this request (same cost) would be allowed. Absent when it never
   * can be, because its cost exceeds `limit`.
   */
  retryAfterSeconds?: number;
}

export interface KeyRateLimiter {
  /** Spends `cost` (default 1; 0 only reports the state) of `keyId`'s budget if it has enough. */
  take(keyId: string, cost?: number): Promise<RateDecision>;
}

export interface RateLimitOptions {
  /** The sustained rate a key earns requests at. */
  requestsPerMinute: number;
  /** How many requests a key may send at once after being idle (≥ 1). */
  burst: number;
  /** The policy's name in the `RateLimit-Policy` and `RateLimit` headers (default `per-key`). */
  policyName?: string;
}

/** What the `RateLimit-Policy` header advertises. */
export interface RateLimitPolicy {
  name: string;
  /** The quota: `burst`. */
  limit: number;
  /** Seconds an exhausted key takes to earn its whole quota back. */
  windowSeconds: number;
}

const MICROS_PER_SECOND = 1_000_000;

/** The GCRA constants, in microseconds. */
interface Cell {
  limit: number;
  /** Time to earn one request. */
  intervalUs: number;
  /** How far ahead of now the TAT may run: `burst` intervals. */
  toleranceUs: number;
}

function cellOf(options: RateLimitOptions): Cell {
  const { requestsPerMinute, burst } = options;
  if (!Number.isFinite(requestsPerMinute) || requestsPerMinute <= 0) {
    throw new RangeError(`requestsPerMinute must be a positive number, got ${requestsPerMinute}`);
  }
  if (!Number.isSafeInteger(burst) || burst < 1) {
    throw new RangeError(`burst must be a whole number ≥ 1, got ${burst}`);
  }
  const intervalUs = Math.max(1, Math.round((60 * MICROS_PER_SECOND) / requestsPerMinute));
  return { limit: burst, intervalUs, toleranceUs: burst * intervalUs };
}

/** The policy the headers advertise for these options. */
export function rateLimitPolicy(options: RateLimitOptions): RateLimitPolicy {
  const cell = cellOf(options);
  const name = options.policyName ?? "per-key";
  // The name goes out as a Structured Fields String: printable ASCII only.
  if (!/^[\x20-\x7e]+$/.test(name)) {
    throw new RangeError(`policyName must be non-empty printable ASCII, got ${JSON.stringify(name)}`);
  }
  return {
    name,
    limit: cell.limit,
    // The draft's window is a whole number of seconds, at least 1.
    windowSeconds: Math.max(1, Math.ceil(cell.toleranceUs / MICROS_PER_SECOND)),
  };
}

function checkedCost(cost: number): number {
  if (!Number.isSafeInteger(cost) || cost < 0) {
    throw new RangeError(`cost must be a whole number ≥ 0, got ${cost}`);
  }
  return cost;
}

/**
 * The decision, from whether the request passed and the key's backlog afterwards (TAT − now,
 * ≥ 0): the same numbers from either store.
 */
function decisionOf(cell: Cell, allowed: boolean, backlogUs: number, cost: number): RateDecision {
  const decision: RateDecision = {
    allowed,
    limit: cell.limit,
    remaining: Math.max(0, Math.floor((cell.toleranceUs - backlogUs) / cell.intervalUs)),
    resetSeconds: Math.ceil(backlogUs / MICROS_PER_SECOND),
  };
  if (!allowed && cost <= cell.limit) {
    // Rounded up: a client that waits exactly this long gets through.
    const waitUs = backlogUs + cost * cell.intervalUs - cell.toleranceUs;
    decision.retryAfterSeconds = Math.max(1, Math.ceil(waitUs / MICROS_PER_SECOND));
  }
  return decision;
}

/**
 * In-process limiter: one instance's own budget per key. Bounded: at most `maxKeys` keys are
 * tracked, least recently used first out. An evicted key starts again with a full budget, so the
 * bound only matters under a flood of distinct keys, which then cannot grow memory.
 */
export class MemoryKeyRateLimiter implements KeyRateLimiter {
  readonly policy: RateLimitPolicy;
  private readonly cell: Cell;
  private readonly clock: () => number;
  /** keyId -> TAT (µs). No TTL: a TAT in the past means a full budget, same as no entry. */
  private readonly arrivals: LRUCache<string, number>;

  constructor(options: RateLimitOptions & { maxKeys?: number; clock?: () => number }) {
    this.cell = cellOf(options);
    this.policy = rateLimitPolicy(options);
    this.clock = options.clock ?? Date.now;
    this.arrivals = new LRUCache({ max: options.maxKeys ?? 100_000 });
  }

  /** How many keys are tracked now (never more than `maxKeys`). */
  get trackedKeys(): number {
    return this.arrivals.size;
  }

  async take(keyId: string, cost = 1): Promise<RateDecision> {
    checkedCost(cost);
    const now = Math.round(this.clock() * 1000);
    const tat = Math.max(this.arrivals.get(keyId) ?? now, now);
    const next = tat + cost * this.cell.intervalUs;
    const allowed = next - now <= this.cell.toleranceUs;
    if (allowed && cost > 0) this.arrivals.set(keyId, next);
    return decisionOf(this.cell, allowed, (allowed ? next : tat) - now, cost);
  }
}

/**
 * GCRA in one atomic step. KEYS[1] holds the TAT in µs; ARGV: interval µs, tolerance µs, cost.
 * Time comes from the Redis server, so gateway instances with skewed clocks share one timeline.
 * The key expires when the budget is full again (no key = full budget), so idle keys cost nothing.
 * Returns {allowed 0|1, backlog µs after the step}.
 */
const GCRA_SCRIPT = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = now
local stored = redis.call('GET', KEYS[1])
if stored then tat = math.max(tonumber(stored), now) end
local nextTat = tat + cost * interval
if nextTat - now > tolerance then
  return {0, tat - now}
end
if cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', nextTat), 'PX', string.format('%.0f', math.ceil((nextTat - now) / 1000)))
end
return {1, nextTat - now}`;

const GCRA_SHA = createHash("sha1").update(GCRA_SCRIPT).digest("hex");

const gcraReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int().nonnegative()]);

/** What the limiter needs of an ioredis client (a `Redis` is one). */
export interface ScriptRunner {
  evalsha(sha1: string, numKeys: number, ...args: string[]): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

export interface RedisRateLimitOptions extends RateLimitOptions {
  /** Key namespace, e.g. `fsg:ratelimit:` (default). */
  prefix?: string;
  /** Longest wait for Redis before deciding without it (default 250 ms). */
  timeoutMs?: number;
  /** After Redis failed, how long to decide without asking it (default 1000 ms). */
  cooldownMs?: number;
  /** Decides while Redis is unavailable (default: an in-memory limiter with the same options). */
  fallback?: KeyRateLimiter;
  /** Told when Redis fails (for logs and metrics): once per cooldown, plus requests already waiting on it. */
  onUnavailable?: (error: unknown) => void;
  /** For the cooldown and the default fallback only; the budget itself runs on Redis's clock. */
  clock?: () => number;
}

/**
 * One budget per key shared by every gateway instance, in Redis.
 *
 * When Redis is unreachable, slow or answers nonsense, `take` does not wait on it: it decides with
 * the fallback, by default a per-instance in-memory limiter, and skips Redis for `cooldownMs`
 * before trying again. This fails open as far as the shared budget goes (N instances then allow
 * up to N times the rate) but never unlimited: a Redis blip must not turn every dashboard's query
 * into a 429, and each instance still holds every key to its own budget, which is what protects
 * the upstreams and the gateway. Pass a `fallback` that refuses to fail closed instead.
 */
export class RedisKeyRateLimiter implements KeyRateLimiter {
  readonly policy: RateLimitPolicy;
  private readonly cell: Cell;
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly cooldownMs: number;
  private readonly fallback: KeyRateLimiter;
  private readonly onUnavailable: (error: unknown) => void;
  private readonly clock: () => number;
  /** Until when (clock ms) Redis is not asked, after a failure. */
  private bypassUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly redis: ScriptRunner,
    options: RedisRateLimitOptions,
  ) {
    this.cell = cellOf(options);
    this.policy = rateLimitPolicy(options);
    this.prefix = options.prefix ?? "fsg:ratelimit:";
    this.timeoutMs = options.timeoutMs ?? 250;
    this.cooldownMs = options.cooldownMs ?? 1_000;
    this.clock = options.clock ?? Date.now;
    this.fallback = options.fallback ?? new MemoryKeyRateLimiter({ ...options, clock: this.clock });
    this.onUnavailable = options.onUnavailable ?? (() => {});
  }

  async take(keyId: string, cost = 1): Promise<RateDecision> {
    checkedCost(cost);
    if (this.clock() < this.bypassUntil) return this.fallback.take(keyId, cost);
    let reply: unknown;
    try {
      reply = await this.withTimeout(this.run(this.prefix + keyId, cost));
    } catch (error) {
      return this.unavailable(error, keyId, cost);
    }
    const parsed = gcraReply.safeParse(reply);
    if (!parsed.success) {
      return this.unavailable(
        new Error(`unexpected rate-limit script reply: ${JSON.stringify(reply)}`),
        keyId,
        cost,
      );
    }
    const [allowed, backlogUs] = parsed.data;
    return decisionOf(this.cell, allowed === 1, backlogUs, cost);
  }

  private async run(key: string, cost: number): Promise<unknown> {
    const args = [String(this.cell.intervalUs), String(this.cell.toleranceUs), String(cost)] as const;
    try {
      return await this.redis.evalsha(GCRA_SHA, 1, key, ...args);
    } catch (error) {
      // The script cache is empty after a Redis restart or failover: send the script itself once.
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await this.redis.eval(GCRA_SCRIPT, 1, key, ...args);
    }
  }

  private withTimeout<T>(pending: Promise<T>): Promise<T> {
    // A late rejection after the timeout has nobody to tell.
    pending.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Redis did not answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      timer.unref();
    });
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }

  private unavailable(error: unknown, keyId: string, cost: number): Promise<RateDecision> {
    this.bypassUntil = this.clock() + this.cooldownMs;
    this.onUnavailable(error);
    return this.fallback.take(keyId, cost);
  }
}

/** A Structured Fields String (RFC 8941 §3.3.3): quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/**
 * Response headers for a decision: `RateLimit-Policy` and `RateLimit` as in
 * draft-ietf-httpapi-ratelimit-headers (-09 to -11 share this syntax), the legacy
 * `RateLimit-Limit` / `-Remaining` / `-Reset` trio many clients still read, and `Retry-After` on
 * a refusal.
 *
 * On a refusal the reset values say when the next request can pass, equal to `Retry-After`: the
 * draft asks that Retry-After not point earlier than the end of the RateLimit window, and an
 * exhausted key's full refill may be much later than its next allowed request.
 */
export function rateLimitHeaders(decision: RateDecision, policy: RateLimitPolicy): Record<string, string> {
  const name = sfString(policy.name);
  const resetSeconds = decision.retryAfterSeconds ?? decision.resetSeconds;
  const headers: Record<string, string> = {
    "RateLimit-Policy": `${name};q=${policy.limit};w=${policy.windowSeconds}`,
    RateLimit: `${name};r=${decision.remaining};t=${resetSeconds}`,
    "RateLimit-Limit": String(decision.limit),
    "RateLimit-Remaining": String(decision.remaining),
    "RateLimit-Reset": String(resetSeconds),
  };
  if (!decision.allowed && decision.retryAfterSeconds !== undefined) {
    headers["Retry-After"] = String(decision.retryAfterSeconds);
  }
  return headers;
}

/** The message of a refusal, for a 429 body or a WebSocket subscribe error. */
export function rateLimitExceededMessage(decision: RateDecision, policy: RateLimitPolicy): string {
  const rule = `${policy.limit} requests per ${policy.windowSeconds} seconds per API key`;
  return decision.retryAfterSeconds === undefined
    ? `Rate limit exceeded: this request costs more than the limit of ${rule} allows at once.`
    : `Rate limit exceeded: ${rule}. Retry in ${decision.retryAfterSeconds} second${decision.retryAfterSeconds === 1 ? "" : "s"}.`;
}
