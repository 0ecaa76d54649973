import { createHash } from "node:crypto";
import { z } from "zod";
import type { ScriptRunner } from "../auth/rateLimit.js";
import type { SourceId } from "../errors.js";

/**
 * The gateway's side of each upstream's rate limit: one budget per upstream credential (tenant and
 * source), spent before a request is sent, so the gateway stays under the documented limit instead
 * of learning it from 429s. The budget follows the upstream's own word where it gives one
 * (`X-RateLimit-Limit` / `-Remaining`, and a 429's `Retry-After` / `X-RateLimit-Reset`) and counts
 * locally otherwise. With Redis, every gateway instance spends the same budget (one atomic script
 * per request); when Redis fails, each instance falls back to its own count.
 */

/** How an upstream limits one credential. */
export interface RateLimitPolicy {
  /** Requests per window. */
  limit: number;
  windowMs: number;
  /**
   * `aligned`: windows start at multiples of `windowMs` from the Unix epoch (a UTC clock hour or
   * minute). `first-request`: a window opens with the first request after the previous one ended
   * (Laravel's throttle).
   */
  window: "aligned" | "first-request";
}

/** What each upstream reference documents (`/work/shared/upstreams/*.md`, "Rate limiting"). */
export const DOCUMENTED_RATE_LIMITS: Record<SourceId, RateLimitPolicy | null> = {
  cleanitall: { limit: 1000, windowMs: 3_600_000, window: "aligned" },
  cleanestimate: { limit: 120, windowMs: 60_000, window: "aligned" },
  artisan: { limit: 60, windowMs: 60_000, window: "first-request" },
  cleverinvo: { limit: 120, windowMs: 60_000, window: "aligned" },
  // JobCloser documents no limit.
  jobcloser: null,
};

/** One credential's budget, for metrics. */
export interface BudgetStatus {
  tenantId: string;
  source: SourceId;
  limit: number;
  remaining: number;
  /** When the budget fills again (epoch ms); null while no window is open. */
  resetAt: number | null;
}

export interface BudgetRedisOptions {
  /** An ioredis client (or anything that runs scripts). */
  client: ScriptRunner;
  /** Key namespace, e.g. `fsg:upstream-budget:`. */
  keyPrefix: string;
  /** Longest wait for Redis before deciding without it (default 250 ms). */
  timeoutMs?: number;
  /** After Redis failed, how long to decide without asking it (default 1000 ms). */
  cooldownMs?: number;
  /** Told when Redis fails: logs and metrics. */
  onUnavailable?: (error: unknown) => void;
}

/** Permission to send one request, settled with its answer. */
export interface BudgetTicket {
  readonly budget: CredentialBudget;
  readonly generation: number;
  /** This request opened a `first-request` window: its answer dates the window's start. */
  readonly opened: boolean;
}

export type BudgetDecision =
  | { allowed: true; ticket: BudgetTicket | null }
  | {
      allowed: false;
      retryAfterMs: number;
      /** `spent`: the window's requests are used up; `upstream`: a 429 asked to wait. */
      reason: "spent" | "upstream";
      limit: number;
      windowMs: number;
    };

interface CredentialBudget {
  tenantId: string;
  source: SourceId;
  /** The documented policy, its limit replaced by the upstream's `X-RateLimit-Limit` once seen. */
  policy: RateLimitPolicy;
  windowStart: number;
  /** The current window ends here; at or before now, no window is open. */
  windowEnd: number;
  /** Bumped at each new window, so late answers from an older one are not applied to it. */
  generation: number;
  /** Requests counted in the current window: sent by this instance, or as the upstream reported. */
  used: number;
  /** A 429 said to wait until then. */
  blockedUntil: number;
}

/**
 * KEYS[1]: the window's counter; KEYS[2]: the "upstream said wait" marker.
 * ARGV: limit, the window's length in ms if this request opens it, requests the caller already knows
 * were counted in the current window (the upstream's own report; ignored when no window is open,
 * as the caller's then ended).
 * Returns {allowed 0|1, used, ms until the window (or the wait) ends, opened 0|1}.
 */
const TAKE_SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {0, -1, blocked, 0} end
local ttl = redis.call('PTTL', KEYS[1])
local used = 0
local opened = 0
if ttl > 0 then
  used = tonumber(redis.call('GET', KEYS[1])) or 0
else
  ttl = tonumber(ARGV[2])
  opened = 1
end
local known = tonumber(ARGV[3])
if opened == 0 and known > used then used = known end
if used >= tonumber(ARGV[1]) then return {0, used, ttl, 0} end
used = used + 1
redis.call('SET', KEYS[1], used, 'PX', ttl)
return {1, used, ttl, opened}`;

/** KEYS[1]: a key; ARGV[1]: ms. Sets KEYS[1] to expire in ARGV[1] ms unless it already lives longer (creating it if asked by ARGV[2] = 1). */
const EXTEND_SCRIPT = `
local ttl = redis.call('PTTL', KEYS[1])
local wanted = tonumber(ARGV[1])
if ttl >= wanted then return 0 end
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], wanted) return 1 end
if ARGV[2] == '1' then redis.call('SET', KEYS[1], '1', 'PX', wanted) return 1 end
return 0`;

const sha1 = (script: string) => createHash("sha1").update(script).digest("hex");
const SCRIPTS = {
  take: { text: TAKE_SCRIPT, sha: sha1(TAKE_SCRIPT) },
  extend: { text: EXTEND_SCRIPT, sha: sha1(EXTEND_SCRIPT) },
} as const;

const takeReply = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  z.number().int(),
  z.number().int(),
  z.union([z.literal(0), z.literal(1)]),
]);

/** A header value as a non-negative integer; undefined when absent or not a number. */
function headerCount(headers: Record<string, string>, name: string): number | undefined {
  const value = headers[name];
  if (value === undefined || value.trim() === "") return undefined;
  const count = Number(value);
  return Number.isInteger(count) && count >= 0 ? count : undefined;
}

/** "minute", "hour", "10 seconds": the window as people say it. */
export function windowLabel(windowMs: number): string {
  const units: Array<[number, string]> = [
    [3_600_000, "hour"],
    [60_000, "minute"],
    [1_000, "second"],
  ];
  for (const [size, unit] of units) {
    if (windowMs % size === 0) {
      const count = windowMs / size;
      return count === 1 ? unit : `${count} ${unit}s`;
    }
  }
  return `${windowMs} ms`;
}

export class RateBudgets {
  private readonly budgets = new Map<string, CredentialBudget>();
  /** Until when (clock ms) Redis is not asked, after a failure. */
  private redisBypassUntil = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: () => number = Date.now,
    private readonly redis?: BudgetRedisOptions,
  ) {}

  /**
   * Spends one request of the credential's budget, or says how long until one is available.
   * `policy` null: the upstream has no limit.
   */
  async take(tenantId: string, source: SourceId, policy: RateLimitPolicy | null): Promise<BudgetDecision> {
    if (!policy) return { allowed: true, ticket: null };
    const budget = this.budgetOf(tenantId, source, policy);
    const now = this.clock();
    // The upstream's word first: after a 429 nothing is sent before it said.
    if (now < budget.blockedUntil) return this.refusal(budget, budget.blockedUntil - now, "upstream");
    this.roll(budget, now);
    if (this.redis && now >= this.redisBypassUntil) {
      try {
        return await this.takeShared(budget, now, this.redis);
      } catch (error) {
        this.redisBypassUntil = this.clock() + (this.redis.cooldownMs ?? 1_000);
        this.redis.onUnavailable?.(error);
      }
    }
    return this.takeLocal(budget, now);
  }

  /** Gives back a ticket whose request was not sent after all. */
  release(ticket: BudgetTicket | null): void {
    if (ticket && ticket.generation === ticket.budget.generation && ticket.budget.used > 0)
      ticket.budget.used--;
  }

  /**
   * Learns from an answer: the upstream's limit and remaining count, a 429's wait (`retryAfterMs`,
   * from its headers), and for a window this request opened, when it really started.
   */
  settle(
    ticket: BudgetTicket | null,
    answer: { status: number; headers: Record<string, string>; retryAfterMs: number | undefined },
  ): void {
    if (!ticket) return;
    const { budget } = ticket;
    const { status, headers, retryAfterMs } = answer;
    const now = this.clock();
    const current = ticket.generation === budget.generation;
    const limit = headerCount(headers, "x-ratelimit-limit");
    if (limit !== undefined && limit > 0) budget.policy = { ...budget.policy, limit };
    if (status === 429) {
      // Not counted by the upstream. When it says how long to wait, nothing goes before that.
      if (current && budget.used > 0) budget.used--;
      if (retryAfterMs !== undefined && retryAfterMs > 0) this.block(budget, now + retryAfterMs);
      return;
    }
    if (!current) return;
    const remaining = headerCount(headers, "x-ratelimit-remaining");
    if (remaining !== undefined) budget.used = Math.max(budget.used, budget.policy.limit - remaining);
    if (ticket.opened && budget.policy.window === "first-request") {
      // The upstream opened its window when this request arrived, after it was sent: counting the
      // window from the answer can only end it later than the upstream's, never earlier.
      const end = now + budget.policy.windowMs;
      if (end > budget.windowEnd) {
        budget.windowEnd = end;
        void this.extendShared(this.windowKey(budget), budget.policy.windowMs, false);
      }
    }
  }

  statuses(): BudgetStatus[] {
    const now = this.clock();
    return [...this.budgets.values()].map((budget) => {
      const { limit, window, windowMs } = budget.policy;
      if (now < budget.blockedUntil) {
        return {
          tenantId: budget.tenantId,
          source: budget.source,
          limit,
          remaining: 0,
          resetAt: budget.blockedUntil,
        };
      }
      if (now < budget.windowEnd) {
        return {
          tenantId: budget.tenantId,
          source: budget.source,
          limit,
          remaining: Math.max(0, limit - budget.used),
          resetAt: budget.windowEnd,
        };
      }
      const resetAt = window === "aligned" ? (Math.floor(now / windowMs) + 1) * windowMs : null;
      return { tenantId: budget.tenantId, source: budget.source, limit, remaining: limit, resetAt };
    });
  }

  private budgetOf(tenantId: string, source: SourceId, policy: RateLimitPolicy): CredentialBudget {
    const key = `${tenantId}\u0000${source}`;
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = {
        tenantId,
        source,
        policy,
        windowStart: 0,
        windowEnd: 0,
        generation: 0,
        used: 0,
        blockedUntil: 0,
      };
      this.budgets.set(key, budget);
    } else if (budget.policy.windowMs !== policy.windowMs || budget.policy.window !== policy.window) {
      // A reloaded config changed the policy: keep a learned limit only for the same window shape.
      budget.policy = policy;
    }
    return budget;
  }

  /** Starts the next window once the current one is over. */
  private roll(budget: CredentialBudget, now: number): void {
    if (now < budget.windowEnd) return;
    const { windowMs, window } = budget.policy;
    budget.windowStart = window === "aligned" ? Math.floor(now / windowMs) * windowMs : now;
    budget.windowEnd = budget.windowStart + windowMs;
    budget.used = 0;
    budget.generation++;
  }

  private takeLocal(budget: CredentialBudget, now: number): BudgetDecision {
    if (budget.used >= budget.policy.limit) return this.refusal(budget, budget.windowEnd - now, "spent");
    budget.used++;
    return { allowed: true, ticket: { budget, generation: budget.generation, opened: budget.used === 1 } };
  }

  private async takeShared(
    budget: CredentialBudget,
    now: number,
    redis: BudgetRedisOptions,
  ): Promise<BudgetDecision> {
    const { limit, windowMs, window } = budget.policy;
    // An aligned window's key names the window, so every instance counts in the same one; a
    // first-request window is the key's own lifetime.
    const opensFor = window === "aligned" ? budget.windowEnd - now : windowMs;
    const reply = await this.run(
      redis,
      "take",
      [this.windowKey(budget), this.blockedKey(budget)],
      [String(limit), String(Math.max(1, opensFor)), String(budget.used)],
    );
    const parsed = takeReply.safeParse(reply);
    if (!parsed.success) throw new Error(`unexpected upstream budget script reply: ${JSON.stringify(reply)}`);
    const [allowed, used, ttlMs, opened] = parsed.data;
    if (used < 0) {
      // Another instance was told by a 429 to wait.
      this.block(budget, now + ttlMs, false);
      return this.refusal(budget, ttlMs, "upstream");
    }
    if (window === "first-request") {
      // The shared window is the one that counts: a new one there ends the one this instance knew.
      if (opened === 1 && budget.used > 0) {
        budget.generation++;
        budget.used = 0;
      }
      budget.windowStart = now + ttlMs - windowMs;
      budget.windowEnd = now + ttlMs;
    }
    // The local count follows the shared one, so a fallback after a Redis failure stays cautious.
    budget.used = Math.max(budget.used + allowed, used);
    if (allowed === 0)
      return this.refusal(budget, window === "aligned" ? budget.windowEnd - now : ttlMs, "spent");
    return { allowed: true, ticket: { budget, generation: budget.generation, opened: opened === 1 } };
  }

  private block(budget: CredentialBudget, until: number, share = true): void {
    if (until <= budget.blockedUntil) return;
    budget.blockedUntil = until;
    if (share) void this.extendShared(this.blockedKey(budget), until - this.clock(), true);
  }

  /** Best effort: a lost extension only makes another instance less cautious until its own answer. */
  private async extendShared(key: string, ms: number, create: boolean): Promise<void> {
    const redis = this.redis;
    if (!redis || this.clock() < this.redisBypassUntil || ms <= 0) return;
    try {
      await this.run(redis, "extend", [key], [String(Math.ceil(ms)), create ? "1" : "0"]);
    } catch (error) {
      this.redisBypassUntil = this.clock() + (redis.cooldownMs ?? 1_000);
      redis.onUnavailable?.(error);
    }
  }

  private refusal(
    budget: CredentialBudget,
    retryAfterMs: number,
    reason: "spent" | "upstream",
  ): BudgetDecision {
    return {
      allowed: false,
      retryAfterMs: Math.max(0, retryAfterMs),
      reason,
      limit: budget.policy.limit,
      windowMs: budget.policy.windowMs,
    };
  }

  private credentialKey(budget: CredentialBudget): string {
    return `${this.redis?.keyPrefix ?? ""}${budget.tenantId}:${budget.source}`;
  }

  private windowKey(budget: CredentialBudget): string {
    const base = this.credentialKey(budget);
    return budget.policy.window === "aligned" ? `${base}:${budget.windowStart}` : base;
  }

  private blockedKey(budget: CredentialBudget): string {
    return `${this.credentialKey(budget)}:blocked`;
  }

  private async run(
    redis: BudgetRedisOptions,
    name: keyof typeof SCRIPTS,
    keys: string[],
    args: string[],
  ): Promise<unknown> {
    const script = SCRIPTS[name];
    const call = async () => {
      try {
        return await redis.client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        // The script cache is empty after a Redis restart or failover: send the script itself once.
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return await redis.client.eval(script.text, keys.length, ...keys, ...args);
      }
    };
    const pending = call();
    // A late rejection after the timeout has nobody to tell.
    pending.catch(() => {});
    const timeoutMs = redis.timeoutMs ?? 250;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
  }
}
