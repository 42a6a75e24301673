import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { REDIS_URL, redisIsUp } from './redis';
import { createTestApp, TestApp } from './test-app';

export interface SharedRedisInstances {
  /** The key prefix both instances use (and that is deleted after the tests). */
  readonly prefix: string;
  /** The environment both instances run with (for a third one). */
  readonly env: Record<string, string>;
  /** False when Redis is not reachable: the tests return at once (the reason is printed). */
  readonly up: boolean;
  readonly a: TestApp;
  readonly b: TestApp;
}

/**
 * Two instances of the service sharing one Redis under a key prefix of their own (`REDIS_URL`,
 * `REDIS_KEY_PREFIX`), started before the describe block's tests and closed after them, with their keys
 * deleted. Without Redis, `up` is false and `what` says what is skipped.
 */
export function twoInstancesOnRedis(env: Record<string, string>, what: string): SharedRedisInstances {
  const prefix = `sms-callback-test:${randomUUID()}:`;
  const shared = { ...env, REDIS_URL, REDIS_KEY_PREFIX: prefix };
  // Filled in by beforeAll; the tests read it once it ran.
  const state: { -readonly [K in keyof SharedRedisInstances]: SharedRedisInstances[K] } = {
    prefix,
    env: shared,
    up: false,
    a: undefined as unknown as TestApp,
    b: undefined as unknown as TestApp,
  };
  beforeAll(async () => {
    state.up = await redisIsUp();
    if (!state.up) {
      process.stdout.write(`\nRedis is not reachable at ${REDIS_URL}: ${what} are skipped.\n`);
      return;
    }
    state.a = await createTestApp({ env: shared });
    state.b = await createTestApp({ env: shared });
  });
  afterAll(async () => {
    await (state.a as TestApp | undefined)?.close();
    await (state.b as TestApp | undefined)?.close();
    if (state.up) {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) {
        await redis.del(...keys);
      }
      await redis.quit();
    }
  });
  return state;
}
