import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One atomic step of a fixed-window counter with a block, the semantics of the throttler's in-memory
 * storage: while blocked, nothing is counted; otherwise the hit is counted (the window starts with the
 * first hit), and the hit past the limit blocks the key for `blockDuration` (then the count starts over).
 * KEYS: hits, block. ARGV: ttl ms, limit, block ms, hits to count (a batch counts its items). Returns { hits, ms left in window, blocked 0/1, ms of block left }.
 */
const INCREMENT_SCRIPT = `
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockDuration = tonumber(ARGV[3])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or (limit + 1)), math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft }
end
local hits = redis.call('INCRBY', KEYS[1], tonumber(ARGV[4]))
local ttlLeft = redis.call('PTTL', KEYS[1])
if ttlLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  ttlLeft = ttl
end
if hits > limit then
  if blockDuration > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', blockDuration)
    redis.call('DEL', KEYS[1])
    return { hits, ttlLeft, 1, blockDuration }
  end
  return { hits, ttlLeft, 1, ttlLeft }
end
return { hits, ttlLeft, 0, 0 }
`;

interface ThrottlerRedis extends Redis {
  throttlerIncrement(
    hitsKey: string,
    blockKey: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    hits: number,
  ): Promise<[number, number, number, number]>;
}

/** How often a Redis failure is logged at most. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The throttler's counters in Redis, so that every instance of the service shares them. A Redis failure
 * lets the request through (fail open, logged): rate limiting must not take the callback API down with it.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly redis: ThrottlerRedis;
  private lastWarning = 0;
  private closed = false;

  constructor(
    redis: Redis,
    private readonly keyPrefix: string,
  ) {
    redis.defineCommand('throttlerIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
    redis.on('error', (err: Error) => this.warn(`Redis: ${err.message}`));
    this.redis = redis as ThrottlerRedis;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    return this.incrementBy(key, ttl, limit, blockDuration, throttlerName, 1);
  }

  /** {@link increment} counting `count` hits at once (in one atomic step). */
  async incrementBy(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    count: number,
  ): Promise<ThrottlerStorageRecord> {
    // One hash tag per key: both keys land on the same Redis Cluster slot.
    const base = `${this.keyPrefix}throttler:${throttlerName}:{${key}}`;
    try {
      const [hits, msLeft, blocked, blockMsLeft] = await this.redis.throttlerIncrement(
        `${base}:hits`,
        `${base}:block`,
        ttl,
        limit,
        blockDuration,
        count,
      );
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(msLeft / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockMsLeft / 1000),
      };
    } catch (err) {
      this.warn(`Rate limit not applied (Redis unavailable): ${(err as Error).message}`);
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarning >= WARN_INTERVAL_MS) {
      this.lastWarning = now;
      this.logger.warn(message);
    }
  }
}
