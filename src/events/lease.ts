import type { Redis } from "ioredis";
import type { PollLease } from "./polling.js";

/**
 * The polling lease in Redis: of several gateway instances with subscribers, one polls a tenant's
 * source at a time (N instances cost the upstream what one does). The holder renews it every cycle;
 * if it stops (shutdown, no more subscribers, crash), the lease expires or is released and another
 * instance with subscribers takes over.
 */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisPollLease implements PollLease {
  constructor(
    private readonly redis: Redis,
    /** This instance's id: only the holder renews or releases. */
    private readonly holder: string,
    private readonly prefix = "fsg:poll-lease:",
  ) {}

  async acquire(key: string, ttlMs: number): Promise<boolean> {
    const result = await this.redis.eval(
      ACQUIRE,
      1,
      `${this.prefix}${key}`,
      this.holder,
      String(Math.ceil(ttlMs)),
    );
    return result === 1;
  }

  async release(key: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, `${this.prefix}${key}`, this.holder);
  }
}
