import request from 'supertest';
import { CALLBACK_PATH } from '../../support/factories';
import { ADMIN_ENV, ADMIN_KEY, adminApi, eventually, LICENSES_PATH, sendCallback } from '../../support/admin-api';
import { twoInstancesOnRedis } from '../../support/shared-redis-instances';
import { createTestApp, TestApp } from '../../support/test-app';

/**
 * What an attacker found in the data the service takes and in what its instances share (issue 13): text
 * PostgreSQL cannot store, misspelt query parameters, concurrent rotations, unthrottled metrics tokens, and
 * blocks that one instance knew and another did not.
 */
describe('client text that reaches PostgreSQL (item 5) and unknown query parameters (item 10)', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...ADMIN_ENV, AUTH_FAILURE_LIMIT: '0', LICENSE_RATE_LIMIT_PER_SECOND: '0' } });
    ({ apiKey } = await t.issueKey());
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    [`${CALLBACK_PATH}?requestId=%00`, 'requestId'],
    [`${CALLBACK_PATH}?referentId=a%00b`, 'referentId'],
    [`${CALLBACK_PATH}?msisdn=%00`, 'msisdn'],
    [`${CALLBACK_PATH}/stats?requestId=%00`, 'requestId'],
    [`${CALLBACK_PATH}/stats?referentId=%00`, 'referentId'],
  ])('should answer GET %s with 400 naming %s', async (path, field) => {
    const res = await request(t.http).get(path).set('API-KEY', apiKey);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual([field]);
  });

  it('should answer the admin list with a NUL in enterpriseId with 400 naming it', async () => {
    const res = await adminApi(t.http).get('?enterpriseId=%00');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ enterpriseId: { isStorableText: expect.stringContaining('NUL') } });
  });

  it.each([
    ['a NUL in label', '{"enterpriseId":"acme","label":"a\\u0000b"}', 'label'],
    ['a NUL in enterpriseId', '{"enterpriseId":"ac\\u0000me"}', 'enterpriseId'],
    ['a lone surrogate in label', '{"enterpriseId":"acme","label":"\\ud800"}', 'label'],
  ])('should answer a license created with %s with 400 naming the field', async (_what, body, field) => {
    const res = await request(t.http)
      .post(LICENSES_PATH)
      .set('ADMIN-API-KEY', ADMIN_KEY)
      .set('Content-Type', 'application/json')
      .send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ [field]: { isStorableText: expect.any(String) } });
  });

  it('should answer a PATCH with a lone surrogate or a NUL in label with 400, and change nothing', async () => {
    const { licenseId } = await t.issueKey({ label: 'before' });
    for (const body of ['{"label":"\\udfff"}', '{"label":"x\\u0000"}']) {
      const res = await request(t.http)
        .patch(`${LICENSES_PATH}/${licenseId}`)
        .set('ADMIN-API-KEY', ADMIN_KEY)
        .set('Content-Type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual({ label: { isStorableText: expect.any(String) } });
    }
    expect((await adminApi(t.http).get(`/${licenseId}`).expect(200)).body.data.label).toBe('before');
  });

  it('should refuse a misspelt query parameter with 400 naming it, instead of the unfiltered list', async () => {
    const res = await request(t.http).get(`${CALLBACK_PATH}?requestID=x`).set('API-KEY', apiKey);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      requestID: { isKnownParameter: expect.stringContaining('did you mean requestId?') },
    });
    const admin = await adminApi(t.http).get('?enterprise=acme');
    expect(admin.status).toBe(400);
    expect(Object.keys(admin.body.errors)).toEqual(['enterprise']);
    const stats = await request(t.http).get(`${CALLBACK_PATH}/stats?page=1`).set('API-KEY', apiKey);
    expect(stats.status).toBe(400);
    expect(Object.keys(stats.body.errors)).toEqual(['page']);
  });

  it('should still take every documented query parameter', async () => {
    const query =
      'page=1&limit=5&msisdn=0912345678&requestId=r&referentId=m&status=0&from=2025-01-01T00:00:00Z' +
      '&to=2030-01-01T00:00:00Z&sentFrom=2025-01-01T00:00:00Z&sentTo=2030-01-01T00:00:00Z&orderBy=sendTime';
    await request(t.http).get(`${CALLBACK_PATH}?${query}`).set('API-KEY', apiKey).expect(200);
    await adminApi(t.http)
      .get('?page=1&limit=5&enterpriseId=x&status=active&expiringBefore=2030-01-01T00:00:00Z')
      .expect(200);
  });
});

describe('concurrent rotations (item 8)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should let one of five concurrent rotations win (201) and answer the others 409', async () => {
    const { licenseId } = await t.issueKey();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => adminApi(t.http).post(`/${licenseId}/rotate?overlapSeconds=60`)),
    );
    expect(answers.map((res) => res.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const conflict = answers.find((res) => res.status === 409)!;
    expect(conflict.body.errors).toEqual({ id: { isNotRotated: expect.stringContaining('already rotated') } });
    const successors = await t.dataSource.query<unknown[]>('SELECT id FROM licenses WHERE rotated_from_id = $1', [
      licenseId,
    ]);
    expect(successors).toHaveLength(1);
  });

  it('should let the new license be rotated in its turn', async () => {
    const { licenseId } = await t.issueKey();
    const first = await adminApi(t.http).post(`/${licenseId}/rotate`).expect(201);
    await adminApi(t.http).post(`/${licenseId}/rotate`).expect(409);
    await adminApi(t.http).post(`/${first.body.data.id}/rotate`).expect(201);
  });
});

describe('wrong metrics tokens (item 10)', () => {
  it('should throttle wrong METRICS_TOKEN attempts like wrong keys (429 past AUTH_FAILURE_LIMIT)', async () => {
    const token = 'metrics-token-0123456789';
    const t = await createTestApp({ env: { METRICS_TOKEN: token, AUTH_FAILURE_LIMIT: '2', REDIS_URL: undefined } });
    try {
      await request(t.http).get('/metrics').set('Authorization', 'Bearer wrong-1').expect(401);
      await request(t.http).get('/metrics').set('Authorization', 'Bearer wrong-2').expect(401);
      const blocked = await request(t.http).get('/metrics').set('Authorization', 'Bearer wrong-3');
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
      // Refused for the window, even with the right token.
      await request(t.http).get('/metrics').set('Authorization', `Bearer ${token}`).expect(429);
    } finally {
      await t.close();
    }
  });
});

describe('blocks shared by the instances through Redis (item 7)', () => {
  const shared = twoInstancesOnRedis(
    { AUTH_FAILURE_LIMIT: '2', LICENSE_RATE_LIMIT_PER_SECOND: '0' },
    'the shared-block tests',
  );

  it('should refuse, within a second, an address blocked on one instance on the other, whatever key it sends', async () => {
    if (!shared.up) {
      return;
    }
    const { apiKey } = await shared.b.issueKey();
    await sendCallback(shared.b.http, apiKey).expect(201);
    for (let i = 0; i < 2; i++) {
      await sendCallback(shared.a.http, 'smscb_wrong000000000000000000000000000000000').expect(401);
    }
    await sendCallback(shared.a.http, 'smscb_wrong000000000000000000000000000000000').expect(429);
    const { value, elapsedMs } = await eventually(
      () => sendCallback(shared.b.http, apiKey),
      (res) => res.status === 429,
      3_000,
      20,
    );
    expect(value.status).toBe(429);
    expect(value.body.errors).toEqual({ 'API-KEY': { failedAttempts: expect.any(String) } });
    expect(elapsedMs).toBeLessThan(1_000);
  });

  it('should know, when it starts, the blocks already in force', async () => {
    if (!shared.up) {
      return;
    }
    const c = await createTestApp({ env: shared.env });
    try {
      const { apiKey } = await c.issueKey();
      const { value } = await eventually(
        () => sendCallback(c.http, apiKey),
        (res) => res.status === 429,
        3_000,
        20,
      );
      expect(value.status).toBe(429);
    } finally {
      await c.close();
    }
  });
});
