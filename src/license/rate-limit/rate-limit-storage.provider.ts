import { Logger, Provider } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { LicenseOptions } from '../license.options';
import { AuthBlockBroadcast, RedisAuthBlockBroadcast } from './auth-block-broadcast';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');
export const AUTH_BLOCK_BROADCAST = Symbol('AUTH_BLOCK_BROADCAST');

/** The Redis of the rate limits when REDIS_URL is set (connected, or reconnecting in the background), else null. */
const redisProvider: Provider = {
  provide: RATE_LIMIT_REDIS,
  inject: [LicenseOptions],
  useFactory: async (options: LicenseOptions): Promise<Redis | null> => {
    const url = options.redisUrl;
    const logger = new Logger('RateLimit');
    if (!url) {
      logger.log('Rate-limit counters in memory (per instance): set REDIS_URL to share them');
      return null;
    }
    // Loaded only here: without REDIS_URL, no process of the service carries ioredis.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    const redis = new RedisClient(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 500,
    });
    try {
      await redis.connect();
      logger.log(`Rate-limit counters in Redis ${redactUrl(url)}`);
    } catch (err) {
      // Start anyway: ioredis keeps reconnecting, and the limits apply again once it is back.
      logger.warn(`Redis ${redactUrl(url)} unreachable (${(err as Error).message}): rate limits off until it is back`);
    }
    return redis;
  },
};

/** The counters of every rate limit: in Redis when REDIS_URL is set (shared by the instances), else in memory. */
const storageProvider: Provider = {
  provide: RATE_LIMIT_STORAGE,
  inject: [RATE_LIMIT_REDIS, LicenseOptions],
  useFactory: (redis: Redis | null, options: LicenseOptions): ThrottlerStorage =>
    redis ? new RedisThrottlerStorage(redis, options.redisKeyPrefix) : new ThrottlerStorageService(),
};

/** Blocks of addresses told to every instance (Redis pub/sub), or to this one only. */
const broadcastProvider: Provider = {
  provide: AUTH_BLOCK_BROADCAST,
  inject: [RATE_LIMIT_REDIS, LicenseOptions],
  useFactory: (redis: Redis | null, options: LicenseOptions): AuthBlockBroadcast | null =>
    redis ? new RedisAuthBlockBroadcast(redis, options.redisKeyPrefix) : null,
};

export const rateLimitStorageProviders: Provider[] = [
  LicenseOptions,
  redisProvider,
  storageProvider,
  broadcastProvider,
];

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//');
}
