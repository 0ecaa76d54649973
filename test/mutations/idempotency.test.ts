import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyConflictError, IdempotencyUnavailableError } from "../../src/errors.js";
import {
  fingerprintOf,
  type IdempotencyStore,
  MemoryIdempotencyStore,
  RedisIdempotencyStore,
  runIdempotent,
  scopedKey,
} from "../../src/mutations/idempotency.js";

/**
 * Gateway-side idempotency, in memory and in the real Redis at 127.0.0.1:6379 (`.ci/run` starts
 * it): one execution per key and input, replay of the first result, conflicts, release after a
 * failure, a concurrent retry waiting for the first request, and (Redis) survival across stores.
 */

const TIMES = { ttlMs: 60_000, pendingTtlMs: 30_000 };
const REDIS_URL = "redis://127.0.0.1:6379";

/** A perform function that counts its calls and resolves when told to. */
function counted<T>(value: T) {
  let calls = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    get calls() {
      return calls;
    },
    release,
    immediate: async () => {
      calls++;
      return value;
    },
    gated: async () => {
      calls++;
      await gate;
      return value;
    },
  };
}

function contract(name: string, makeStore: () => IdempotencyStore) {
  describe(name, () => {
    const run = <R>(key: string, input: unknown, perform: () => Promise<R>, waitMs = 5_000) =>
      runIdempotent(makeStore(), { key, fingerprint: fingerprintOf(input), waitMs }, perform);
    let store: IdempotencyStore;
    const key = () => scopedKey("acme", randomUUID());
    beforeAll(() => {
      store = makeStore();
    });

    it("runs once per key and input; the retry gets the first result, replayed", async () => {
      const k = key();
      const perform = counted({ id: "cus_1", name: "Ada" });
      const first = await runIdempotent(
        store,
        { key: k, fingerprint: "f1", waitMs: 1_000 },
        perform.immediate,
      );
      const retry = await runIdempotent(
        store,
        { key: k, fingerprint: "f1", waitMs: 1_000 },
        perform.immediate,
      );
      expect(first).toEqual({ result: { id: "cus_1", name: "Ada" }, replayed: false });
      expect(retry).toEqual({ result: { id: "cus_1", name: "Ada" }, replayed: true });
      expect(perform.calls).toBe(1);
    });

    it("the same key with other input is a conflict and runs nothing", async () => {
      const k = key();
      const perform = counted("x");
      await run(k, { name: "Ada" }, perform.immediate);
      const error = await run(k, { name: "Grace" }, perform.immediate).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IdempotencyConflictError);
      expect((error as IdempotencyConflictError).extensions.code).toBe("IDEMPOTENCY_CONFLICT");
      expect((error as Error).message).toContain("different mutation or input");
      expect(perform.calls).toBe(1);
    });

    it("a failed request releases the key: the retry runs again", async () => {
      const k = key();
      let calls = 0;
      const failing = async () => {
        calls++;
        throw new Error("upstream said no");
      };
      await expect(run(k, { a: 1 }, failing)).rejects.toThrow("upstream said no");
      const second = await run(k, { a: 1 }, async () => {
        calls++;
        return "created";
      });
      expect(second).toEqual({ result: "created", replayed: false });
      expect(calls).toBe(2);
    });

    it("a retry arriving while the first request runs waits for it and gets its result", async () => {
      const k = key();
      const perform = counted({ id: "job_1" });
      const first = run(k, { t: 1 }, perform.gated);
      // Let the first claim the key before the retry arrives.
      await expect.poll(() => perform.calls).toBe(1);
      const retry = run(k, { t: 1 }, perform.gated);
      perform.release();
      expect(await first).toEqual({ result: { id: "job_1" }, replayed: false });
      expect(await retry).toEqual({ result: { id: "job_1" }, replayed: true });
      expect(perform.calls).toBe(1);
    });

    it("a retry gives up with a conflict when the first request outlasts the wait", async () => {
      const k = key();
      const perform = counted("slow");
      const first = run(k, { s: 1 }, perform.gated);
      await expect.poll(() => perform.calls).toBe(1);
      const error = await run(k, { s: 1 }, perform.gated, 0).catch((e: unknown) => e);
      expect((error as Error).message).toContain("still in progress");
      perform.release();
      await first;
      expect(perform.calls).toBe(1);
    });

    it("keys are scoped per tenant and never stored as sent", () => {
      expect(scopedKey("acme", "k-1")).not.toBe(scopedKey("globex", "k-1"));
      expect(scopedKey("acme", "k-1")).not.toContain("k-1");
    });
  });
}

describe("fingerprintOf", () => {
  it("ignores key order and absent fields, not values", () => {
    expect(fingerprintOf({ a: 1, b: { c: [1, 2], d: undefined } })).toBe(
      fingerprintOf({ b: { c: [1, 2] }, a: 1 }),
    );
    expect(fingerprintOf({ a: 1, b: null })).not.toBe(fingerprintOf({ a: 1 }));
    expect(fingerprintOf({ c: [1, 2] })).not.toBe(fingerprintOf({ c: [2, 1] }));
  });
});

const memory = new MemoryIdempotencyStore(TIMES);
contract("MemoryIdempotencyStore", () => memory);

const prefix = `fsg:test:${randomUUID()}:`;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const redisStore = new RedisIdempotencyStore(redis, TIMES, prefix);
beforeAll(() => redis.connect());
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
contract("RedisIdempotencyStore", () => redisStore);

describe("RedisIdempotencyStore across connections", () => {
  it("a result stored through one connection is replayed through another (a restarted gateway)", async () => {
    const k = scopedKey("acme", randomUUID());
    await runIdempotent(redisStore, { key: k, fingerprint: "f", waitMs: 1_000 }, async () => ({ id: 7 }));
    const other = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const restarted = new RedisIdempotencyStore(other, TIMES, prefix);
      let calls = 0;
      const replay = await runIdempotent(restarted, { key: k, fingerprint: "f", waitMs: 1_000 }, async () => {
        calls++;
        return { id: 8 };
      });
      expect(replay).toEqual({ result: { id: 7 }, replayed: true });
      expect(calls).toBe(0);
      expect(await other.pttl(`${prefix}${k}`)).toBeGreaterThan(TIMES.ttlMs - 5_000);
    } finally {
      await other.quit();
    }
  });

  it("an unreachable Redis refuses the write before it is sent", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const store = new RedisIdempotencyStore(down, TIMES, prefix);
    let calls = 0;
    const error = await runIdempotent(store, { key: "acme:x", fingerprint: "f", waitMs: 100 }, async () => {
      calls++;
      return 1;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyUnavailableError);
    expect((error as IdempotencyUnavailableError).extensions.code).toBe("IDEMPOTENCY_UNAVAILABLE");
    expect(calls).toBe(0);
    down.disconnect();
  });
});
