import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** Tells every instance that an address is refused for a while, and hears what the others tell. */
export interface AuthBlockBroadcast {
  /** `key` (scope and address) is refused for `ms` from now. */
  publish(key: string, ms: number): void;
  /** Calls `onBlock` for each block announced by any instance, and for those in force when it (re)connects. */
  subscribe(onBlock: (key: string, ms: number) => void): void;
}

/** How often a Redis failure is logged at most. */
const WARN_INTERVAL_MS = 10_000;

/**
 * The blocks of the brute-force guard shared through Redis: a block is added to a sorted set (member: the
 * key, score: when it ends) and published on a channel; every instance subscribes on a connection of its
 * own, and on each (re)connection reads the set for the blocks in force, so that a message lost while it
 * was disconnected is caught up. A blocked address is then refused everywhere within milliseconds,
 * whatever key it sends, with no Redis round trip on the request's path.
 */
export class RedisAuthBlockBroadcast implements AuthBlockBroadcast, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly setKey: string;
  private readonly channel: string;
  private subscriber?: Redis;
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.setKey = `${keyPrefix}auth-blocks`;
    this.channel = `${keyPrefix}auth-blocks:announce`;
  }

  publish(key: string, ms: number): void {
    const until = Date.now() + ms;
    this.redis
      .multi()
      .zadd(this.setKey, until, key)
      .zremrangebyscore(this.setKey, '-inf', Date.now())
      .publish(this.channel, JSON.stringify({ key, ms }))
      .exec()
      .catch((err: Error) => this.warn(`Could not share a block through Redis: ${err.message}`));
  }

  subscribe(onBlock: (key: string, ms: number) => void): void {
    const subscriber = this.redis.duplicate({
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
    });
    this.subscriber = subscriber;
    subscriber.on('error', (err: Error) => this.warn(`Redis (block announcements): ${err.message}`));
    subscriber.on('message', (_channel: string, message: string) => {
      try {
        const { key, ms } = JSON.parse(message) as { key: unknown; ms: unknown };
        if (typeof key === 'string' && typeof ms === 'number' && ms > 0) {
          onBlock(key, ms);
        }
      } catch {
        this.warn('Ignored a malformed block announcement');
      }
    });
    subscriber.on('ready', () => {
      subscriber
        .subscribe(this.channel)
        .then(() => this.redis.zrangebyscore(this.setKey, Date.now(), '+inf', 'WITHSCORES'))
        .then((entries) => {
          const now = Date.now();
          for (let i = 0; i + 1 < entries.length; i += 2) {
            onBlock(entries[i], Number(entries[i + 1]) - now);
          }
        })
        .catch((err: Error) => this.warn(`Could not read the blocks in force from Redis: ${err.message}`));
    });
    subscriber.connect().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (!subscriber) {
      return;
    }
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
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
