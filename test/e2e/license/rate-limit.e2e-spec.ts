import { Redis } from 'ioredis';
import request from 'supertest';
import { ADMIN_ENV, adminApi, LICENSES_PATH, sendCallback, sleep } from '../../support/admin-api';
import { REDIS_URL } from '../../support/redis';
import { twoInstancesOnRedis } from '../../support/shared-redis-instances';
import { createTestApp, TestApp } from '../../support/test-app';

const UNKNOWN_KEY = 'smscb_doesnotexist0000000000000000000000000';

/** Sends the requests at the same time (so that they land in one one-second window) and returns the statuses. */
async function burst(count: number, send: () => request.Test): Promise<request.Response[]> {
  return Promise.all(Array.from({ length: count }, () => send().then((res) => res)));
}

const statuses = (responses: request.Response[]) => responses.map((res) => res.status).sort();

function expectTooMany(res: request.Response, header: string): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ code: 429, data: null, total_record: 0, current_page: 0 });
  expect(Object.keys(res.body.errors)).toEqual([header]);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('rate limits (counters in memory)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      env: { ...ADMIN_ENV, LICENSE_RATE_LIMIT_PER_SECOND: '4', AUTH_FAILURE_LIMIT: '3', REDIS_URL: undefined },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('per license', () => {
    it("should answer 429 with Retry-After past the license's own requests per second, then let it through again", async () => {
      const { apiKey } = await t.issueKey({ rateLimitPerSecond: 2 });
      await sleep(1_000 - (Date.now() % 1_000)); // a burst is not split by the one-second window
      const responses = await burst(4, () => sendCallback(t.http, apiKey));
      expect(statuses(responses)).toEqual([201, 201, 429, 429]);
      const refused = responses.find((res) => res.status === 429)!;
      expectTooMany(refused, 'API-KEY');
      expect(refused.body.message).toMatch(/2 per second/);
      const accepted = responses.find((res) => res.status === 201)!;
      expect(accepted.headers['x-ratelimit-limit']).toBe('2');

      await sleep(Number(refused.headers['retry-after']) * 1_000 + 100);
      await sendCallback(t.http, apiKey).expect(201);
    });

    it('should apply LICENSE_RATE_LIMIT_PER_SECOND to a license without a limit of its own', async () => {
      const { apiKey } = await t.issueKey();
      const responses = await burst(7, () => sendCallback(t.http, apiKey));
      expect(responses.filter((res) => res.status === 201).length).toBeLessThanOrEqual(4 * 2);
      expect(statuses(responses)).toContain(429);
    });

    it('should count each license on its own, across the routes of the API', async () => {
      const busy = await t.issueKey({ rateLimitPerSecond: 1 });
      const calm = await t.issueKey({ rateLimitPerSecond: 1 });
      await sleep(1_000 - (Date.now() % 1_000));
      await sendCallback(t.http, busy.apiKey).expect(201);
      await request(t.http).get('/api/vendor/v1/sms/callback').set('API-KEY', busy.apiKey).expect(429);
      await sendCallback(t.http, calm.apiKey).expect(201);
    });

    it('should apply a changed limit at once', async () => {
      const { apiKey, licenseId } = await t.issueKey({ rateLimitPerSecond: 1 });
      await adminApi(t.http).patch(`/${licenseId}`, { rateLimitPerSecond: 50 }).expect(200);
      expect(statuses(await burst(5, () => sendCallback(t.http, apiKey)))).toEqual([201, 201, 201, 201, 201]);
    });
  });

  describe('failed authentication per client address', () => {
    it('should answer 429 with Retry-After past AUTH_FAILURE_LIMIT failures, then refuse even a good key', async () => {
      const app = await createTestApp({ env: { AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '2' } });
      try {
        const { apiKey } = await app.issueKey();
        for (let i = 0; i < 3; i++) {
          await sendCallback(app.http, UNKNOWN_KEY).expect(401);
        }
        const refused = await sendCallback(app.http, UNKNOWN_KEY);
        expectTooMany(refused, 'API-KEY');
        expect(refused.body.message).toMatch(/failed authentications/);
        expectTooMany(await sendCallback(app.http, apiKey), 'API-KEY');
        expectTooMany(await request(app.http).get('/api/vendor/v1/sms/callback'), 'API-KEY');

        await sleep(Number(refused.headers['retry-after']) * 1_000 + 100);
        await sendCallback(app.http, apiKey).expect(201);
        await sendCallback(app.http, UNKNOWN_KEY).expect(401);
      } finally {
        await app.close();
      }
    });

    it('should count only 401s: refused licenses (403) are not brute force', async () => {
      const app = await createTestApp({ env: { AUTH_FAILURE_LIMIT: '2' } });
      try {
        const { apiKey, licenseId } = await app.issueKey();
        await app.licenses.suspend(licenseId);
        for (let i = 0; i < 5; i++) {
          await sendCallback(app.http, apiKey).expect(403);
        }
      } finally {
        await app.close();
      }
    });

    it('should guard the admin key the same way, with counters of its own', async () => {
      for (let i = 0; i < 3; i++) {
        await request(t.http).get(LICENSES_PATH).set('ADMIN-API-KEY', `wrong-${i}`).expect(401);
      }
      expectTooMany(await request(t.http).get(LICENSES_PATH).set('ADMIN-API-KEY', 'wrong-again'), 'ADMIN-API-KEY');
      expectTooMany(await adminApi(t.http).get(), 'ADMIN-API-KEY');
      const { apiKey } = await t.issueKey();
      await sendCallback(t.http, apiKey).expect(201);
    });
  });
});

describe('rate limits with REDIS_URL (counters shared by the instances)', () => {
  const shared = twoInstancesOnRedis(
    { ...ADMIN_ENV, LICENSE_RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURE_LIMIT: '3' },
    'the shared-counter tests',
  );

  it("should share a license's per-second count between two instances", async () => {
    if (!shared.up) {
      return;
    }
    const { apiKey } = await shared.a.issueKey({ rateLimitPerSecond: 4 });
    await sleep(1_000 - (Date.now() % 1_000));
    const responses = [
      ...(await burst(2, () => sendCallback(shared.a.http, apiKey))),
      ...(await burst(2, () => sendCallback(shared.b.http, apiKey))),
    ];
    expect(statuses(responses)).toEqual([201, 201, 201, 201]);
    expectTooMany(await sendCallback(shared.b.http, apiKey), 'API-KEY');
    expectTooMany(await sendCallback(shared.a.http, apiKey), 'API-KEY');
  });

  it('should share the failed-authentication count between two instances', async () => {
    if (!shared.up) {
      return;
    }
    await sendCallback(shared.a.http, UNKNOWN_KEY).expect(401);
    await sendCallback(shared.b.http, UNKNOWN_KEY).expect(401);
    await sendCallback(shared.a.http, UNKNOWN_KEY).expect(401);
    expectTooMany(await sendCallback(shared.b.http, UNKNOWN_KEY), 'API-KEY');
    expectTooMany(await sendCallback(shared.a.http, UNKNOWN_KEY), 'API-KEY');
  });

  it('should keep the counters in Redis under REDIS_KEY_PREFIX', async () => {
    if (!shared.up) {
      return;
    }
    const redis = new Redis(REDIS_URL);
    try {
      expect((await redis.keys(`${shared.prefix}throttler:*`)).length).toBeGreaterThan(0);
    } finally {
      await redis.quit();
    }
  });
});

describe('rate limits with an unreachable Redis', () => {
  it('should start, and let requests through rather than fail them', async () => {
    const app = await createTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:1', LICENSE_RATE_LIMIT_PER_SECOND: '1', AUTH_FAILURE_LIMIT: '1' },
    });
    try {
      const { apiKey } = await app.issueKey();
      expect(statuses(await burst(3, () => sendCallback(app.http, apiKey)))).toEqual([201, 201, 201]);
      for (let i = 0; i < 3; i++) {
        await sendCallback(app.http, UNKNOWN_KEY).expect(401);
      }
    } finally {
      await app.close();
    }
  });
});
