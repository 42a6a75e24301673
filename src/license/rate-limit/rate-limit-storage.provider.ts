import { Logger, Provider } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import type { AppConfigService } from '../../config/app-config.type';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** The counters of every rate limit: in Redis when REDIS_URL is set (shared by the instances), else in memory. */
export const rateLimitStorageProvider: Provider = {
  provide: RATE_LIMIT_STORAGE,
  inject: [ConfigService],
  useFactory: async (config: AppConfigService): Promise<ThrottlerStorage> => {
    const url = config.get('REDIS_URL', { infer: true });
    const logger = new Logger('RateLimit');
    if (!url) {
      logger.log('Rate-limit counters in memory (per instance): set REDIS_URL to share them');
      return new ThrottlerStorageService();
    }
    const redis = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: 500,
    });
    const storage = new RedisThrottlerStorage(redis, config.get('REDIS_KEY_PREFIX', { infer: true }));
    try {
      await redis.connect();
      logger.log(`Rate-limit counters in Redis ${redactUrl(url)}`);
    } catch (err) {
      // Start anyway: ioredis keeps reconnecting, and the limits apply again once it is back.
      logger.warn(`Redis ${redactUrl(url)} unreachable (${(err as Error).message}): rate limits off until it is back`);
    }
    return storage;
  },
};

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//');
}
