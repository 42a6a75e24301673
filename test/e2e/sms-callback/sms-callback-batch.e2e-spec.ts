import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import {
  SMS_CALLBACK_STORED,
  SmsCallbackStoredEvent,
} from '../../../src/sms-callback/events/sms-callback-stored.event';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, createTestAppBehindProxy, TestApp } from '../../support/test-app';

const BATCH_PATH = `${CALLBACK_PATH}/batch`;

describe('POST /api/vendor/v1/sms/callback/batch', () => {
  let t: TestApp;
  let key: { apiKey: string; licenseId: string; enterpriseId: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { LICENSE_RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURE_LIMIT: '0' } });
  });
  beforeEach(async () => {
    key = await t.issueKey();
  });
  afterAll(async () => {
    await t.close();
  });

  const postBatch = (body: unknown, apiKey = key.apiKey) =>
    request(t.http)
      .post(BATCH_PATH)
      .set('API-KEY', apiKey)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
  const countOf = async (enterpriseId = key.enterpriseId) =>
    Number(
      (
        await t.dataSource.query<Array<{ n: string }>>(
          'SELECT count(*) AS n FROM sms_callbacks WHERE enterprise_id = $1',
          [enterpriseId],
        )
      )[0].n,
    );

  it('should store every item and answer 200 with one 201 per item, in request order', async () => {
    const items = [aCallback(), aCallback({ status: 3 }), aCallback({ responseTimeTelco: undefined })];
    const res = await postBatch(items).expect(200);

    expect(res.body).toMatchObject({ code: 200, message: 'OK', errors: null, total_record: 3, current_page: 1 });
    expect(res.body.data).toHaveLength(3);
    res.body.data.forEach((answer: Record<string, unknown>, index: number) => {
      expect(answer).toEqual({
        index,
        code: 201,
        data: expect.objectContaining({ id: expect.any(String), requestId: items[index].requestId }),
        errors: null,
      });
    });
    expect(await countOf()).toBe(3);
  });

  it('should answer each item as the single endpoint does: the same stored record', async () => {
    const item = aCallback();
    const [answer] = (await postBatch([item]).expect(200)).body.data;
    const single = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(item).expect(200);
    expect(single.headers['idempotent-replayed']).toBe('true');
    expect(single.body.data).toEqual(answer.data);
  });

  it('should answer 200 for an item already stored, and for an identical earlier item of the same batch', async () => {
    const stored = aCallback();
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(stored).expect(201);
    const twice = aCallback();
    // The same report with its fields in another order and the number as digits in a string: still identical.
    const again = { retryCount: '0', ...twice };
    const res = await postBatch([stored, twice, again]).expect(200);
    expect(res.body.data.map((answer: { code: number }) => answer.code)).toEqual([200, 201, 200]);
    expect(res.body.data[2].data).toEqual(res.body.data[1].data);
    expect(await countOf()).toBe(2);
  });

  it('should answer 400 for an invalid item with errors keyed by field, as the single endpoint, storing the others', async () => {
    const bad = aCallback({ status: 'delivered', retryCount: -1 });
    const single = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(bad).expect(400);
    const res = await postBatch([aCallback(), bad, 'not an object', null, aCallback()]).expect(200);

    expect(res.body.data.map((answer: { code: number }) => answer.code)).toEqual([201, 400, 400, 400, 201]);
    expect(res.body.data[1]).toEqual({ index: 1, code: 400, data: null, errors: single.body.errors });
    expect(res.body.data[2].errors).toEqual({ body: { isObject: 'The body must be a JSON object.' } });
    expect(res.body.data[3].errors).toEqual({ body: { isObject: 'The body must be a JSON object.' } });
    expect(await countOf()).toBe(2);
  });

  it("should store each item's exact text as its raw body (numbers and unknown fields as sent)", async () => {
    const text = `[ {"msisdn":"84912345678","requestId":"r-${key.licenseId}","sendTime":"2025-05-01 17:15:30","status":0,"referentId":"m-1","retryCount":0,"price":9007199254740993} , {"msisdn":"84912345678","requestId":"r2-${key.licenseId}","sendTime":"2025-05-01 17:15:30","status":0,"referentId":"m-2","retryCount":0,"note":"a, ] } \\" tricky"} ]`;
    await request(t.http)
      .post(BATCH_PATH)
      .set('API-KEY', key.apiKey)
      .set('Content-Type', 'application/json')
      .send(text)
      .expect(200);
    const rows = await t.dataSource.query<Array<{ raw: string }>>(
      'SELECT raw_body::text AS raw FROM sms_callbacks WHERE enterprise_id = $1 ORDER BY referent_id',
      [key.enterpriseId],
    );
    expect(rows[0].raw).toContain('"price": 9007199254740993');
    expect(rows[1].raw).toContain('"note": "a, ] } \\" tricky"');
  });

  it('should store text fields with the characters of an array literal as sent (quotes, backslashes, braces, NULL)', async () => {
    // The rows go to PostgreSQL as one array per column: every element must come back as it was sent.
    const awkward = ['NULL', 'a"b\\c', '{x,y}', ' lead and trail ', 'Tiếng Việt ✓ 🚀', '\\"', ''];
    const items = awkward.map((text, i) =>
      aCallback({ requestId: `${text}-${i}`, referentId: text || 'empty', note: text, responseTimeTelco: undefined }),
    );
    const res = await postBatch(items).expect(200);
    expect(res.body.data.map((answer: { code: number }) => answer.code)).toEqual(items.map(() => 201));
    const rows = await t.dataSource.query<
      Array<{ request_id: string; referent_id: string; note: string; response_time_telco_at: Date | null }>
    >(
      `SELECT request_id, referent_id, raw_body->>'note' AS note, response_time_telco_at FROM sms_callbacks
        WHERE enterprise_id = $1`,
      [key.enterpriseId],
    );
    const byRequestId = new Map(rows.map((row) => [row.request_id, row]));
    items.forEach((item, i) => {
      expect(byRequestId.get(item.requestId as string)).toEqual({
        request_id: item.requestId,
        referent_id: item.referentId,
        note: awkward[i],
        response_time_telco_at: null,
      });
      expect(res.body.data[i].data).toMatchObject({ requestId: item.requestId, referentId: item.referentId });
    });
  });

  it('should announce each newly stored item as sms-callback.stored, not the replays', async () => {
    const events: SmsCallbackStoredEvent[] = [];
    const listener = (event: SmsCallbackStoredEvent) => events.push(event);
    const emitter = t.app.get(EventEmitter2);
    emitter.on(SMS_CALLBACK_STORED, listener);
    try {
      const item = aCallback();
      await postBatch([item, item, aCallback({ status: 'x' }), aCallback()]).expect(200);
      expect(events.filter((event) => event.enterpriseId === key.enterpriseId)).toHaveLength(2);
    } finally {
      emitter.off(SMS_CALLBACK_STORED, listener);
    }
  });

  it.each([
    ['an object', aCallback(), 'isArray'],
    ['a string', 'batch', 'isArray'],
    ['an empty array', [], 'arrayNotEmpty'],
  ])('should answer 400 for a body that is %s, storing nothing', async (_what, body, rule) => {
    const res = await postBatch(body).expect(400);
    expect(res.body).toMatchObject({ code: 400, data: null, total_record: 0 });
    expect(Object.keys(res.body.errors.body)).toEqual([rule]);
    expect(await countOf()).toBe(0);
  });

  it('should answer 400 for a missing body', async () => {
    const res = await request(t.http).post(BATCH_PATH).set('API-KEY', key.apiKey).expect(400);
    expect(res.body.errors.body.isArray).toMatch(/missing/);
  });

  it('should answer 413 for more than 1,000 items, storing nothing', async () => {
    const items = Array.from({ length: 1_001 }, () => aCallback());
    const res = await postBatch(items).expect(413);
    expect(res.body.errors.body.arrayMaxSize).toMatch(/at most 1000 callbacks \(received 1001\)/);
    expect(await countOf()).toBe(0);
  });

  it('should take 1,000 of the largest callbacks within the default BATCH_BODY_LIMIT', async () => {
    const long = (prefix: string, i: number) => `${prefix}${i}-`.padEnd(255, 'x');
    const items = Array.from({ length: 1_000 }, (_, i) =>
      aCallback({
        msisdn: '+84 912 345 678'.padEnd(32, ' '),
        requestId: long('r', i),
        referentId: long(key.licenseId, i),
        sendTime: '2025-05-01T17:15:30.123+07:00',
        responseTimeTelco: '2025-05-01T17:15:32.456+07:00',
        status: -2147483648,
        retryCount: 2147483647,
      }),
    );
    const bytes = Buffer.byteLength(JSON.stringify(items));
    expect(bytes).toBeGreaterThan(600_000);
    const res = await postBatch(items).expect(200);
    expect(res.body.data.filter((answer: { code: number }) => answer.code === 201)).toHaveLength(1_000);
    expect(await countOf()).toBe(1_000);
  });

  it('should answer 413 for a body over BATCH_BODY_LIMIT, before storing anything', async () => {
    const small = await createTestApp({ env: { BATCH_BODY_LIMIT: '2kb' } });
    try {
      const { apiKey, enterpriseId } = await small.issueKey();
      const res = await request(small.http)
        .post(BATCH_PATH)
        .set('API-KEY', apiKey)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(Array.from({ length: 20 }, () => aCallback())))
        .expect(413);
      expect(res.body.errors.body).toHaveProperty('maxSize');
      // The single endpoint keeps BODY_LIMIT: the batch's limit is its own.
      await request(small.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
      expect(await countOf(enterpriseId)).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('should answer 401 and 403 as the single endpoint, before reading the body', async () => {
    const missing = await request(t.http).post(BATCH_PATH).send([aCallback()]).expect(401);
    expect(missing.body.errors).toHaveProperty('API-KEY');
    await postBatch([aCallback()], 'sk_live_unknown').expect(401);
    await t.licenses.suspend(key.licenseId);
    const refused = await postBatch([aCallback()]).expect(403);
    expect(refused.body.errors['API-KEY']).toHaveProperty('isActive');
    expect(await countOf()).toBe(0);
  });

  it('should leave GET of a non-UUID under the path as it was (400), and GET of batch is not a route', async () => {
    const res = await request(t.http).get(BATCH_PATH).set('API-KEY', key.apiKey).expect(400);
    expect(res.body.errors).toEqual({ id: { isUuid: 'id must be a UUID.' } });
  });
});

describe('POST /api/vendor/v1/sms/callback/batch under a rate limit', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { LICENSE_RATE_LIMIT_PER_SECOND: '0', REDIS_URL: undefined } });
  });
  afterAll(async () => {
    await t.close();
  });

  it("should count each item against the license's requests per second, and refuse the batch past it", async () => {
    const { apiKey, enterpriseId } = await t.issueKey({ rateLimitPerSecond: 10 });
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000)));
    const batch = (n: number) =>
      request(t.http)
        .post(BATCH_PATH)
        .set('API-KEY', apiKey)
        .send(Array.from({ length: n }, () => aCallback()));
    const first = await batch(8).expect(200);
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    const refused = await batch(5).expect(429);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body.errors['API-KEY'].rateLimit).toMatch(/10 per second \(each item of a batch counts as one\)/);
    expect(
      Number(
        (
          await t.dataSource.query('SELECT count(*) AS n FROM sms_callbacks WHERE enterprise_id = $1', [enterpriseId])
        )[0].n,
      ),
    ).toBe(8);
    // A batch larger than the limit itself can never pass: 429 too.
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await batch(11).expect(429);
  });
});

describe('POST /api/vendor/v1/sms/callback/batch when the database fails', () => {
  it('should answer 503 and store nothing of the batch; sent again, every item is stored once', async () => {
    const { t, proxy, close } = await createTestAppBehindProxy();
    try {
      const { apiKey, enterpriseId } = await t.issueKey();
      // The key is verified (and cached) while the database is there.
      await request(t.http).get(CALLBACK_PATH).set('API-KEY', apiKey).expect(200);
      const items = [aCallback(), aCallback(), aCallback({ status: 'bad' })];
      await proxy.down();
      const refused = await request(t.http).post(BATCH_PATH).set('API-KEY', apiKey).send(items);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ code: 503, data: null });
      await proxy.up();
      const count = async () =>
        Number(
          (
            await t.dataSource.query('SELECT count(*) AS n FROM sms_callbacks WHERE enterprise_id = $1', [enterpriseId])
          )[0].n,
        );
      expect(await count()).toBe(0);
      const again = await request(t.http).post(BATCH_PATH).set('API-KEY', apiKey).send(items).expect(200);
      expect(again.body.data.map((answer: { code: number }) => answer.code)).toEqual([201, 201, 400]);
      expect(await count()).toBe(2);
    } finally {
      await close();
    }
  });
});
