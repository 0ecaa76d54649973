import type { Redis } from "ioredis";
import { LRUCache } from "lru-cache";

/**
 * Remembers which deliveries (webhook delivery ids, detected-change ids) were already published,
 * so a redelivery or a second instance seeing the same change publishes nothing. In Redis when
 * configured, so every instance shares it; otherwise in this process.
 */
export interface DeliveryLog {
  /** True when `key` is new (the caller publishes it); false when it was seen within the TTL. */
  claim(key: string): Promise<boolean>;
  /** Forgets a claim whose publication failed, so the upstream's retry is processed. */
  release(key: string): Promise<void>;
}

export class MemoryDeliveryLog implements DeliveryLog {
  private readonly seen: LRUCache<string, true>;

  constructor(ttlMs: number, maxEntries = 100_000) {
    this.seen = new LRUCache({ max: maxEntries, ttl: ttlMs });
  }

  async claim(key: string): Promise<boolean> {
    if (this.seen.has(key)) return false;
    this.seen.set(key, true);
    return true;
  }

  async release(key: string): Promise<void> {
    this.seen.delete(key);
  }
}

export class RedisDeliveryLog implements DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
    private readonly prefix = "fsg:delivery:",
  ) {}

  async claim(key: string): Promise<boolean> {
    // SET NX is atomic: of two instances receiving the same delivery at once, exactly one wins.
    const result = await this.redis.set(`${this.prefix}${key}`, "1", "PX", this.ttlMs, "NX");
    return result === "OK";
  }

  async release(key: string): Promise<void> {
    await this.redis.del(`${this.prefix}${key}`);
  }
}
