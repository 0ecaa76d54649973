import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type KeyRateLimiter,
  MemoryKeyRateLimiter,
  type RateDecision,
  RedisKeyRateLimiter,
  rateLimitExceededMessage,
  rateLimitHeaders,
  rateLimitPolicy,
} from "../../src/auth/rateLimit.js";

/**
 * The gateway's per-key rate limit (GCRA), in memory with an injected clock and in the real Redis
 * at 127.0.0.1:6379 (`.ci/run` starts it) under a random prefix per run: exact burst sequences,
 * refill, independent keys, header values, a budget shared by two instances, the memory bound,
 * and what happens when Redis is unreachable.
 */

const REDIS_URL = "redis://127.0.0.1:6379";

/** A settable clock in milliseconds. */
function manualClock(start = 1_767_225_600_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

async function takeMany(limiter: KeyRateLimiter, keyId: string, count: number): Promise<RateDecision[]> {
  const decisions: RateDecision[] = [];
  for (let i = 0; i < count; i++) decisions.push(await limiter.take(keyId));
  return decisions;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const allowedOf = (decisions: RateDecision[]) => decisions.map((decision) => decision.allowed);

describe("rateLimitPolicy", () => {
  it("advertises the burst as the quota and the time to earn it back as the window", () => {
    expect(rateLimitPolicy({ requestsPerMinute: 60, burst: 60 })).toEqual({
      name: "per-key",
      limit: 60,
      windowSeconds: 60,
    });
    expect(rateLimitPolicy({ requestsPerMinute: 100, burst: 10, policyName: "gateway" })).toEqual({
      name: "gateway",
      limit: 10,
      windowSeconds: 6,
    });
    // The draft's window is whole seconds, at least 1.
    expect(rateLimitPolicy({ requestsPerMinute: 6_000, burst: 1 }).windowSeconds).toBe(1);
  });

  it("refuses settings that cannot describe a limit", () => {
    expect(() => rateLimitPolicy({ requestsPerMinute: 0, burst: 5 })).toThrow(
      "requestsPerMinute must be a positive number, got 0",
    );
    expect(() => rateLimitPolicy({ requestsPerMinute: 60, burst: 0 })).toThrow(
      "burst must be a whole number ≥ 1, got 0",
    );
    expect(() => rateLimitPolicy({ requestsPerMinute: 60, burst: 2.5 })).toThrow(
      "burst must be a whole number ≥ 1, got 2.5",
    );
    expect(() => rateLimitPolicy({ requestsPerMinute: 60, burst: 5, policyName: "clé" })).toThrow(
      'policyName must be non-empty printable ASCII, got "clé"',
    );
  });
});

describe("MemoryKeyRateLimiter", () => {
  // One request per second, up to 5 at once.
  const options = { requestsPerMinute: 60, burst: 5 };

  it("allows exactly the burst at once, then refuses with the wait until the next request", async () => {
    const clock = manualClock();
    const limiter = new MemoryKeyRateLimiter({ ...options, clock: clock.now });
    const decisions = await takeMany(limiter, "acme:dashboard", 7);
    expect(decisions).toEqual([
      { allowed: true, limit: 5, remaining: 4, resetSeconds: 1 },
      { allowed: true, limit: 5, remaining: 3, resetSeconds: 2 },
      { allowed: true, limit: 5, remaining: 2, resetSeconds: 3 },
      { allowed: true, limit: 5, remaining: 1, resetSeconds: 4 },
      { allowed: true, limit: 5, remaining: 0, resetSeconds: 5 },
      { allowed: false, limit: 5, remaining: 0, resetSeconds: 5, retryAfterSeconds: 1 },
      { allowed: false, limit: 5, remaining: 0, resetSeconds: 5, retryAfterSeconds: 1 },
    ]);
  });

  it("refills at the configured rate, with no window edge that lets a second burst through", async () => {
    const clock = manualClock();
    const limiter = new MemoryKeyRateLimiter({ ...options, clock: clock.now });
    await takeMany(limiter, "k", 5);

    clock.advance(999);
    expect(await limiter.take("k")).toEqual({
      allowed: false,
      limit: 5,
      remaining: 0,
      resetSeconds: 5,
      retryAfterSeconds: 1,
    });
    clock.advance(1);
    // One interval earned exactly one request, and no more.
    expect(allowedOf(await takeMany(limiter, "k", 2))).toEqual([true, false]);

    // Steady state: one per second passes, a second one in the same second does not.
    for (let second = 0; second < 3; second++) {
      clock.advance(1_000);
      expect(allowedOf(await takeMany(limiter, "k", 2))).toEqual([true, false]);
    }

    // Idle for the whole window: the full burst is back, and only the burst.
    clock.advance(5_000);
    expect(await limiter.take("k", 0)).toEqual({ allowed: true, limit: 5, remaining: 5, resetSeconds: 0 });
    expect(allowedOf(await takeMany(limiter, "k", 6))).toEqual([true, true, true, true, true, false]);
  });

  it("gives a partly drained key the exact wait for the request's cost", async () => {
    const clock = manualClock();
    const limiter = new MemoryKeyRateLimiter({ ...options, clock: clock.now });
    expect(await limiter.take("k", 3)).toEqual({ allowed: true, limit: 5, remaining: 2, resetSeconds: 3 });
    clock.advance(500);
    // 2.5 requests' worth saved: a cost of 4 needs 1.5 s more.
    expect(await limiter.take("k", 4)).toEqual({
      allowed: false,
      limit: 5,
      remaining: 2,
      resetSeconds: 3,
      retryAfterSeconds: 2,
    });
    clock.advance(1_500);
    expect(await limiter.take("k", 4)).toEqual({ allowed: true, limit: 5, remaining: 0, resetSeconds: 5 });
  });

  it("never allows a cost above the burst, and says no retry helps", async () => {
    const limiter = new MemoryKeyRateLimiter({ ...options, clock: manualClock().now });
    expect(await limiter.take("k", 6)).toEqual({ allowed: false, limit: 5, remaining: 5, resetSeconds: 0 });
    // It spent nothing.
    expect(await limiter.take("k", 5)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("refuses a cost that is not a whole number ≥ 0", async () => {
    const limiter = new MemoryKeyRateLimiter(options);
    await expect(limiter.take("k", -1)).rejects.toThrow("cost must be a whole number ≥ 0, got -1");
    await expect(limiter.take("k", 0.5)).rejects.toThrow("cost must be a whole number ≥ 0, got 0.5");
  });

  it("keeps each key's budget apart", async () => {
    const limiter = new MemoryKeyRateLimiter({ ...options, clock: manualClock().now });
    expect(allowedOf(await takeMany(limiter, "acme:dashboard", 6))).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(await limiter.take("acme:backoffice")).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetSeconds: 1,
    });
    expect(await limiter.take("globex:dashboard")).toEqual({
      allowed: true,
      limit: 5,
      remaining: 4,
      resetSeconds: 1,
    });
    expect((await limiter.take("acme:dashboard")).allowed).toBe(false);
  });

  it("tracks at most maxKeys keys under a flood of distinct keys, dropping the least recently used", async () => {
    const limiter = new MemoryKeyRateLimiter({ ...options, maxKeys: 100, clock: manualClock().now });
    await takeMany(limiter, "busy", 5);
    for (let i = 0; i < 10_000; i++) {
      await limiter.take(`flood-${i}`);
      // The key in real use stays tracked while the flood passes: it is used in between.
      if (i % 50 === 0) expect((await limiter.take("busy")).allowed).toBe(false);
    }
    expect(limiter.trackedKeys).toBe(100);
    expect((await limiter.take("busy")).allowed).toBe(false);
    // The flood's oldest keys were dropped: such a key starts again with a full budget.
    expect(await limiter.take("flood-0")).toEqual({ allowed: true, limit: 5, remaining: 4, resetSeconds: 1 });
  });
});

describe("rateLimitHeaders", () => {
  const policy = rateLimitPolicy({ requestsPerMinute: 60, burst: 5, policyName: "gateway" });

  it("describes an allowed request with the draft's fields and the legacy trio", () => {
    expect(rateLimitHeaders({ allowed: true, limit: 5, remaining: 3, resetSeconds: 2 }, policy)).toEqual({
      "RateLimit-Policy": '"gateway";q=5;w=5',
      RateLimit: '"gateway";r=3;t=2',
      "RateLimit-Limit": "5",
      "RateLimit-Remaining": "3",
      "RateLimit-Reset": "2",
    });
  });

  it("adds Retry-After to a refusal, with the reset values pointing at the same moment", () => {
    const refusal = { allowed: false, limit: 5, remaining: 0, resetSeconds: 5, retryAfterSeconds: 1 };
    expect(rateLimitHeaders(refusal, policy)).toEqual({
      "RateLimit-Policy": '"gateway";q=5;w=5',
      RateLimit: '"gateway";r=0;t=1',
      "RateLimit-Limit": "5",
      "RateLimit-Remaining": "0",
      "RateLimit-Reset": "1",
      "Retry-After": "1",
    });
    expect(rateLimitExceededMessage(refusal, policy)).toBe(
      "Rate limit exceeded: 5 requests per 5 seconds per API key. Retry in 1 second.",
    );
  });

  it("gives no Retry-After to a request no retry can let through", () => {
    const never = { allowed: false, limit: 5, remaining: 5, resetSeconds: 0 };
    expect(rateLimitHeaders(never, policy)).toEqual({
      "RateLimit-Policy": '"gateway";q=5;w=5',
      RateLimit: '"gateway";r=5;t=0',
      "RateLimit-Limit": "5",
      "RateLimit-Remaining": "5",
      "RateLimit-Reset": "0",
    });
    expect(rateLimitExceededMessage(never, policy)).toBe(
      "Rate limit exceeded: this request costs more than the limit of 5 requests per 5 seconds per API key allows at once.",
    );
  });

  it("writes the policy name as a Structured Fields String", () => {
    const quoted = rateLimitPolicy({ requestsPerMinute: 60, burst: 5, policyName: 'say "hi" \\o/' });
    expect(
      rateLimitHeaders({ allowed: true, limit: 5, remaining: 4, resetSeconds: 1 }, quoted),
    ).toMatchObject({
      "RateLimit-Policy": '"say \\"hi\\" \\\\o/";q=5;w=5',
      RateLimit: '"say \\"hi\\" \\\\o/";r=4;t=1',
    });
  });

  it("matches what the limiter decides, request by request", async () => {
    const limiter = new MemoryKeyRateLimiter({
      requestsPerMinute: 60,
      burst: 5,
      policyName: "gateway",
      clock: manualClock().now,
    });
    const sent = await takeMany(limiter, "k", 6);
    expect(sent.map((decision) => rateLimitHeaders(decision, limiter.policy).RateLimit)).toEqual([
      '"gateway";r=4;t=1',
      '"gateway";r=3;t=2',
      '"gateway";r=2;t=3',
      '"gateway";r=1;t=4',
      '"gateway";r=0;t=5',
      '"gateway";r=0;t=1',
    ]);
  });
});

const prefix = `fsg:test:${randomUUID()}:ratelimit:`;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
beforeAll(() => redis.connect());
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe("RedisKeyRateLimiter", () => {
  // One request per 10 s, 3 at once: the sequences below take far less than one interval.
  const slow = { requestsPerMinute: 6, burst: 3, prefix };
  const keyId = () => `acme:${randomUUID()}`;

  it("allows exactly the burst, then refuses with the wait for the next request", async () => {
    const limiter = new RedisKeyRateLimiter(redis, slow);
    const id = keyId();
    const decisions = await takeMany(limiter, id, 4);
    const refusal = await limiter.take(id);
    expect([...decisions, refusal]).toEqual([
      { allowed: true, limit: 3, remaining: 2, resetSeconds: 10 },
      { allowed: true, limit: 3, remaining: 1, resetSeconds: 20 },
      { allowed: true, limit: 3, remaining: 0, resetSeconds: 30 },
      { allowed: false, limit: 3, remaining: 0, resetSeconds: 30, retryAfterSeconds: 10 },
      { allowed: false, limit: 3, remaining: 0, resetSeconds: 30, retryAfterSeconds: 10 },
    ]);
    expect(rateLimitHeaders(refusal, limiter.policy)).toEqual({
      "RateLimit-Policy": '"per-key";q=3;w=30',
      RateLimit: '"per-key";r=0;t=10',
      "RateLimit-Limit": "3",
      "RateLimit-Remaining": "0",
      "RateLimit-Reset": "10",
      "Retry-After": "10",
    });
  });

  it("stores one key per API key under the prefix, expiring when the budget is full again", async () => {
    const limiter = new RedisKeyRateLimiter(redis, slow);
    const id = keyId();
    await limiter.take(id, 2);
    const ttl = await redis.pttl(`${prefix}${id}`);
    expect(ttl).toBeGreaterThan(19_000);
    expect(ttl).toBeLessThanOrEqual(20_000);
    // A refusal writes nothing.
    await limiter.take(id, 2);
    expect(await redis.pttl(`${prefix}${id}`)).toBeLessThanOrEqual(ttl);
    // Reporting the state (cost 0) writes nothing either.
    const untouched = keyId();
    expect(await limiter.take(untouched, 0)).toEqual({
      allowed: true,
      limit: 3,
      remaining: 3,
      resetSeconds: 0,
    });
    expect(await redis.exists(`${prefix}${untouched}`)).toBe(0);
  });

  it("keeps each key's budget apart", async () => {
    const limiter = new RedisKeyRateLimiter(redis, slow);
    const dashboard = keyId();
    expect(allowedOf(await takeMany(limiter, dashboard, 4))).toEqual([true, true, true, false]);
    expect(await limiter.take(keyId())).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 10 });
  });

  it("is atomic: of 20 concurrent requests from two instances, exactly the burst passes", async () => {
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const first = new RedisKeyRateLimiter(redis, slow);
      const second = new RedisKeyRateLimiter(other, slow);
      const id = keyId();
      const decisions = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).take(id)),
      );
      const passed = decisions.filter((decision) => decision.allowed);
      expect(passed.map((decision) => decision.remaining).sort((a, b) => a - b)).toEqual([0, 1, 2]);
    } finally {
      await other.quit();
    }
  });

  it("refills over time (one interval of 100 ms)", async () => {
    const limiter = new RedisKeyRateLimiter(redis, { requestsPerMinute: 600, burst: 1, prefix });
    const id = keyId();
    expect(allowedOf(await takeMany(limiter, id, 2))).toEqual([true, false]);
    await sleep(150);
    expect((await limiter.take(id)).allowed).toBe(true);
  });

  it("two gateway instances with skewed clocks share one budget per key", async () => {
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const first = new RedisKeyRateLimiter(redis, { ...slow, clock: () => Date.now() });
      // An hour ahead: the budget runs on Redis's clock, so it does not matter.
      const second = new RedisKeyRateLimiter(other, { ...slow, clock: () => Date.now() + 3_600_000 });
      const id = keyId();
      const decisions = [
        await first.take(id),
        await second.take(id),
        await first.take(id),
        await second.take(id),
        await first.take(id),
      ];
      expect(decisions.map(({ allowed, remaining }) => ({ allowed, remaining }))).toEqual([
        { allowed: true, remaining: 2 },
        { allowed: true, remaining: 1 },
        { allowed: true, remaining: 0 },
        { allowed: false, remaining: 0 },
        { allowed: false, remaining: 0 },
      ]);
      // Another prefix (another deployment sharing the Redis) has its own budgets.
      const elsewhere = new RedisKeyRateLimiter(other, { ...slow, prefix: `${prefix}other:` });
      expect((await elsewhere.take(id)).allowed).toBe(true);
    } finally {
      await other.quit();
    }
  });

  it("sends the script itself when Redis has not cached it (after a restart)", async () => {
    const calls: string[] = [];
    let cached = false;
    const restarted = {
      evalsha: async (sha1: string, numKeys: number, ...args: string[]) => {
        calls.push("evalsha");
        if (!cached) throw new Error("NOSCRIPT No matching script. Please use EVAL.");
        return redis.evalsha(sha1, numKeys, ...args);
      },
      eval: async (script: string, numKeys: number, ...args: string[]) => {
        calls.push("eval");
        cached = true;
        return redis.eval(script, numKeys, ...args);
      },
    };
    const limiter = new RedisKeyRateLimiter(restarted, slow);
    const id = keyId();
    expect(allowedOf(await takeMany(limiter, id, 4))).toEqual([true, true, true, false]);
    expect(calls).toEqual(["evalsha", "eval", "evalsha", "evalsha", "evalsha"]);
  });
});

describe("RedisKeyRateLimiter without Redis", () => {
  const options = { requestsPerMinute: 6, burst: 3, prefix };

  it("a closed port: decides at once with a per-instance budget (fails open to local limits), and reports it", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const failures: string[] = [];
    const clock = manualClock();
    try {
      const limiter = new RedisKeyRateLimiter(down, {
        ...options,
        clock: clock.now,
        onUnavailable: (error) => failures.push(messageOf(error)),
      });
      // Not everything refused (a Redis blip must not take dashboards down), not everything allowed.
      expect(await takeMany(limiter, "acme:dashboard", 4)).toEqual([
        { allowed: true, limit: 3, remaining: 2, resetSeconds: 10 },
        { allowed: true, limit: 3, remaining: 1, resetSeconds: 20 },
        { allowed: true, limit: 3, remaining: 0, resetSeconds: 30 },
        { allowed: false, limit: 3, remaining: 0, resetSeconds: 30, retryAfterSeconds: 10 },
      ]);
      // Told once: during the cooldown Redis is not asked again.
      expect(failures).toEqual(["Stream isn't writeable and enableOfflineQueue options is false"]);
      clock.advance(1_000);
      await limiter.take("acme:dashboard");
      expect(failures).toHaveLength(2);
    } finally {
      down.disconnect();
    }
  });

  it("a Redis that never answers: decides after timeoutMs instead of hanging", async () => {
    // Queues commands while it keeps trying to connect to a closed port: nothing ever answers.
    const hanging = new Redis("redis://127.0.0.1:1", {
      maxRetriesPerRequest: null,
      retryStrategy: () => 50,
    });
    hanging.on("error", () => {});
    const failures: string[] = [];
    try {
      const limiter = new RedisKeyRateLimiter(hanging, {
        ...options,
        timeoutMs: 50,
        onUnavailable: (error) => failures.push(messageOf(error)),
      });
      expect(await limiter.take("acme:dashboard")).toEqual({
        allowed: true,
        limit: 3,
        remaining: 2,
        resetSeconds: 10,
      });
      expect(failures).toEqual(["Redis did not answer within 50 ms"]);
    } finally {
      hanging.disconnect();
    }
  });

  it("a reply that is not the script's: decides with the fallback", async () => {
    const failures: string[] = [];
    const refuseAll: KeyRateLimiter = {
      take: async () => ({ allowed: false, limit: 3, remaining: 0, resetSeconds: 1, retryAfterSeconds: 1 }),
    };
    const garbled = {
      evalsha: async () => "OK",
      eval: async () => "OK",
    };
    // A deployment that prefers to fail closed passes a refusing fallback.
    const limiter = new RedisKeyRateLimiter(garbled, {
      ...options,
      fallback: refuseAll,
      onUnavailable: (error) => failures.push(messageOf(error)),
    });
    expect(await limiter.take("k")).toEqual({
      allowed: false,
      limit: 3,
      remaining: 0,
      resetSeconds: 1,
      retryAfterSeconds: 1,
    });
    expect(failures).toEqual(['unexpected rate-limit script reply: "OK"']);
  });
});
