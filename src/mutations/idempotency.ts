import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { IdempotencyConflictError, IdempotencyUnavailableError } from "../errors.js";

/**
 * Gateway-side idempotency for upstreams that have none (all but CleanEstimate Pro): a create
 * retried with the same key and input runs once and every retry gets the first result; the same
 * key with other input is refused. A key is claimed before the upstream call and completed with
 * the result after it; a failed call releases the key, so the retry can try again.
 *
 * Records live in Redis when it is configured (they survive restarts and are shared by every
 * instance), in memory otherwise.
 */

export type Claim =
  | { kind: "claimed"; token: string }
  | { kind: "done"; fingerprint: string; result: unknown }
  | { kind: "pending"; fingerprint: string };

export interface IdempotencyStore {
  /** Claims `key` for a first request, or tells what an earlier request with it left. */
  claim(key: string, fingerprint: string): Promise<Claim>;
  /** Stores the first request's result (only by the claim's holder). */
  complete(key: string, token: string, result: unknown): Promise<void>;
  /** Frees the key after a failed request (only by the claim's holder). */
  release(key: string, token: string): Promise<void>;
  /** Resolves when the key may have changed state, or after `timeoutMs`. */
  waitForChange(key: string, timeoutMs: number): Promise<void>;
}

export interface IdempotencyTimes {
  /** How long a completed request's result is replayed (24 h, like the upstreams that have keys). */
  ttlMs: number;
  /** How long an unfinished claim holds the key if its gateway dies mid-request. */
  pendingTtlMs: number;
}

interface StoredRecord {
  fingerprint: string;
  token: string;
  state: "pending" | "done";
  result?: unknown;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records: LRUCache<string, StoredRecord>;
  private readonly waiters = new Map<string, Array<() => void>>();

  constructor(private readonly times: IdempotencyTimes) {
    this.records = new LRUCache({ max: 100_000, ttl: times.ttlMs });
  }

  async claim(key: string, fingerprint: string): Promise<Claim> {
    const existing = this.records.get(key);
    if (existing) {
      return existing.state === "done"
        ? { kind: "done", fingerprint: existing.fingerprint, result: existing.result }
        : { kind: "pending", fingerprint: existing.fingerprint };
    }
    const token = randomUUID();
    this.records.set(key, { fingerprint, token, state: "pending" }, { ttl: this.times.pendingTtlMs });
    return { kind: "claimed", token };
  }

  async complete(key: string, token: string, result: unknown): Promise<void> {
    const record = this.records.get(key);
    if (record?.token !== token) return;
    this.records.set(key, { ...record, state: "done", result }, { ttl: this.times.ttlMs });
    this.wake(key);
  }

  async release(key: string, token: string): Promise<void> {
    if (this.records.get(key)?.token === token) this.records.delete(key);
    this.wake(key);
  }

  waitForChange(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      const list = this.waiters.get(key) ?? [];
      list.push(done);
      this.waiters.set(key, list);
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  private wake(key: string): void {
    const list = this.waiters.get(key);
    this.waiters.delete(key);
    for (const resolve of list ?? []) resolve();
  }
}

// Atomic claim: create the record if absent, else return it. Hash fields: fingerprint, token, state, result.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HMGET', KEYS[1], 'fingerprint', 'state', 'result')
end
redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'token', ARGV[2], 'state', 'pending')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 'claimed'`;

const COMPLETE = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'state', 'done', 'result', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return 1`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/** Shared by every gateway instance; survives restarts. Waiting on another instance's request polls. */
export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly times: IdempotencyTimes,
    private readonly prefix = "fsg:idempotency:",
  ) {}

  async claim(key: string, fingerprint: string): Promise<Claim> {
    const token = randomUUID();
    const reply = await this.call(() =>
      this.redis.eval(CLAIM, 1, this.prefix + key, fingerprint, token, String(this.times.pendingTtlMs)),
    );
    if (reply === "claimed") return { kind: "claimed", token };
    const [storedFingerprint, state, result] = Array.isArray(reply) ? reply : [];
    if (typeof storedFingerprint !== "string") throw new IdempotencyUnavailableError();
    if (state === "done" && typeof result === "string") {
      return { kind: "done", fingerprint: storedFingerprint, result: JSON.parse(result) };
    }
    return { kind: "pending", fingerprint: storedFingerprint };
  }

  async complete(key: string, token: string, result: unknown): Promise<void> {
    await this.call(() =>
      this.redis.eval(
        COMPLETE,
        1,
        this.prefix + key,
        token,
        JSON.stringify(result),
        String(this.times.ttlMs),
      ),
    );
  }

  async release(key: string, token: string): Promise<void> {
    await this.call(() => this.redis.eval(RELEASE, 1, this.prefix + key, token));
  }

  async waitForChange(_key: string, timeoutMs: number): Promise<void> {
    await sleep(Math.min(timeoutMs, 100));
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw new IdempotencyUnavailableError();
    }
  }
}

/** The key's scope: one tenant. Keys are hashed so a client's key text never lands in Redis. */
export function scopedKey(tenantId: string, idempotencyKey: string): string {
  return `${tenantId}:${createHash("sha256").update(idempotencyKey).digest("hex")}`;
}

/** A stable hash of what a request asks for: the operation and its arguments, key order ignored. */
export function fingerprintOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Runs `perform` once per key and input. A retry that arrives while the first request still
 * runs waits for it (up to `waitMs`) and then gets its result.
 */
export async function runIdempotent<R>(
  store: IdempotencyStore,
  request: { key: string; fingerprint: string; waitMs: number },
  perform: () => Promise<R>,
  onStoreFailure: (error: unknown) => void = () => {},
): Promise<{ result: R; replayed: boolean }> {
  const deadline = Date.now() + request.waitMs;
  for (;;) {
    const claim = await store.claim(request.key, request.fingerprint);
    if (claim.kind === "claimed") {
      let result: R;
      try {
        result = await perform();
      } catch (error) {
        await store.release(request.key, claim.token).catch(onStoreFailure);
        throw error;
      }
      // The write happened: a store failure now must not turn it into an error for the client.
      await store.complete(request.key, claim.token, result).catch(onStoreFailure);
      return { result, replayed: false };
    }
    if (claim.fingerprint !== request.fingerprint) {
      throw new IdempotencyConflictError(
        "This idempotencyKey was already used with a different mutation or input. Use a new key for a new request.",
      );
    }
    if (claim.kind === "done") return { result: claim.result as R, replayed: true };
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new IdempotencyConflictError(
        "A request with this idempotencyKey is still in progress. Retry it with the same key to get its result.",
      );
    }
    await store.waitForChange(request.key, left);
  }
}
