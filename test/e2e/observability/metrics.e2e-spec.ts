import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

/** The value of one sample of the exposition (0 when absent): `sample(text, 'x_total', { status: '400' })`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) {
      continue;
    }
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([label, value]) => present[label] === value)) {
      return Number(match[3]);
    }
  }
  return 0;
}

describe('GET /metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const scrape = async () => {
    const res = await request(t.http).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('should expose the metrics in the Prometheus text format, without a key', async () => {
    const text = await scrape();
    for (const name of [
      'http_request_duration_seconds',
      'http_requests_in_flight',
      'sms_callbacks_stored_total',
      'sms_callbacks_replayed_total',
      'sms_callbacks_rejected_total',
      'auth_failures_total',
      'db_pool_connections',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(sample(text, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
  });

  it('should move the counters with the traffic', async () => {
    const before = await scrape();
    const key = await t.issueKey();
    const suspended = await t.issueKey();
    await t.dataSource.query(`UPDATE licenses SET status = 'suspended' WHERE id = $1`, [suspended.licenseId]);
    const bodies = [aCallback(), aCallback(), aCallback()];
    const post = () => request(t.http).post(CALLBACK_PATH);
    for (const body of bodies) {
      await post().set('API-KEY', key.apiKey).send(body).expect(201);
    }
    await post().set('API-KEY', key.apiKey).send(bodies[0]).expect(200);
    await post().set('API-KEY', key.apiKey).send(bodies[1]).expect(200);
    await post()
      .set('API-KEY', key.apiKey)
      .send(aCallback({ retryCount: -1 }))
      .expect(400);
    await post().send(aCallback()).expect(401);
    await post()
      .set('API-KEY', `smscb_${'x'.repeat(43)}`)
      .send(aCallback())
      .expect(401);
    const refused = await post().set('API-KEY', suspended.apiKey).send(aCallback());
    expect(refused.status).toBe(403);

    const after = await scrape();
    const delta = (name: string, labels?: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('sms_callbacks_stored_total')).toBe(3);
    expect(delta('sms_callbacks_replayed_total')).toBe(2);
    expect(delta('sms_callbacks_rejected_total', { status: '400' })).toBe(1);
    expect(delta('sms_callbacks_rejected_total', { status: '401' })).toBe(2);
    expect(delta('sms_callbacks_rejected_total', { status: '403' })).toBe(1);
    expect(delta('auth_failures_total', { credential: 'API-KEY', reason: 'missing' })).toBe(1);
    expect(delta('auth_failures_total', { credential: 'API-KEY', reason: 'unknown' })).toBe(1);
    expect(delta('auth_failures_total', { credential: 'API-KEY', reason: 'suspended' })).toBe(1);
    const created = { method: 'POST', route: CALLBACK_PATH, status: '201' };
    expect(delta('http_request_duration_seconds_count', created)).toBe(3);
    expect(delta('http_request_duration_seconds_bucket', { ...created, le: '+Inf' })).toBe(3);
    expect(sample(after, 'http_request_duration_seconds_sum', created)).toBeGreaterThan(0);
  });

  it('should label a route by its pattern, never by the path that was asked', async () => {
    const key = await t.issueKey();
    await request(t.http).get(`${CALLBACK_PATH}/not-a-uuid`).set('API-KEY', key.apiKey).expect(400);
    await request(t.http).get('/no/such/route/12345').expect(404);
    const text = await scrape();
    expect(sample(text, 'http_request_duration_seconds_count', { route: `${CALLBACK_PATH}/:id`, status: '400' })).toBe(
      1,
    );
    expect(sample(text, 'http_request_duration_seconds_count', { route: '(none)', status: '404' })).toBeGreaterThan(0);
    expect(text).not.toContain('not-a-uuid');
    expect(text).not.toContain('12345');
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const token = 'metrics-token-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', 'Bearer wrong-token-0123456789abcdef'],
    ['the token without Bearer', token],
  ])('should answer 401 in the envelope for %s', async (_case, authorization) => {
    const req = request(t.http).get('/metrics');
    const res = await (authorization ? req.set('Authorization', authorization) : req).expect(401);
    expect(res.body).toMatchObject({
      code: 401,
      data: null,
      errors: { Authorization: { isValid: expect.any(String) } },
      total_record: 0,
      current_page: 0,
    });
  });

  it('should answer 200 with the token', async () => {
    const res = await request(t.http).get('/metrics').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.text).toContain('# TYPE sms_callbacks_stored_total counter');
  });
});
