import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

describe('GET /api/vendor/v1/sms/callback (read API)', () => {
  let t: TestApp;
  let mine: { apiKey: string; enterpriseId: string };
  let theirs: { apiKey: string; enterpriseId: string };
  const stored: Array<{ id: string; msisdn: string; requestId: string; referentId: string; status: number }> = [];

  beforeAll(async () => {
    t = await createTestApp();
    mine = await t.issueKey();
    theirs = await t.issueKey();
    // 25 callbacks of mine, sent one after the other (received_at ascending), 3 of theirs.
    for (let i = 0; i < 25; i++) {
      const body = aCallback({
        msisdn: i % 5 === 0 ? '84900000005' : '84911111111',
        requestId: `req-${i}`,
        referentId: `ref-${i % 3}`,
        status: i % 2,
      });
      const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', mine.apiKey).send(body).expect(201);
      stored.push(res.body.data);
    }
    for (let i = 0; i < 3; i++) {
      await request(t.http)
        .post(CALLBACK_PATH)
        .set('API-KEY', theirs.apiKey)
        .send(aCallback({ msisdn: '84911111111', requestId: `req-${i}` }))
        .expect(201);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const list = (query: Record<string, string | number>, apiKey = mine.apiKey) =>
    request(t.http).get(CALLBACK_PATH).query(query).set('API-KEY', apiKey);

  it('should answer the first page of 20, newest first, with total_record and current_page', async () => {
    const res = await list({}).expect(200);
    expect(res.body).toMatchObject({ code: 200, message: 'OK', errors: null, total_record: 25, current_page: 1 });
    expect(res.body.data).toHaveLength(20);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual(
      stored
        .slice()
        .reverse()
        .slice(0, 20)
        .map((c) => c.id),
    );
  });

  it('should answer a later page', async () => {
    const res = await list({ page: 3, limit: 10 }).expect(200);
    expect(res.body).toMatchObject({ total_record: 25, current_page: 3 });
    expect(res.body.data.map((c: { requestId: string }) => c.requestId)).toEqual([
      'req-4',
      'req-3',
      'req-2',
      'req-1',
      'req-0',
    ]);
  });

  it('should answer an empty page past the end, with the total', async () => {
    const res = await list({ page: 9, limit: 10 }).expect(200);
    expect(res.body).toMatchObject({ data: [], total_record: 25, current_page: 9 });
  });

  it.each([
    [{ msisdn: '84900000005' }, 5],
    [{ requestId: 'req-7' }, 1],
    [{ referentId: 'ref-0' }, 9],
    [{ status: 1 }, 12],
    [{ status: 0, msisdn: '84900000005' }, 3],
  ])('should filter by %j', async (query, expected) => {
    const res = await list({ ...query, limit: 100 }).expect(200);
    expect(res.body.total_record).toBe(expected);
    expect(res.body.data).toHaveLength(expected);
    for (const item of res.body.data) {
      expect(item).toMatchObject(query);
    }
  });

  it('should filter by the time of receipt', async () => {
    const all = (await list({ limit: 100 }).expect(200)).body.data as Array<{ receivedAt: string }>;
    const pivot = all[10].receivedAt;
    const after = await list({ from: pivot, limit: 100 }).expect(200);
    const before = await list({ to: pivot, limit: 100 }).expect(200);
    expect(after.body.total_record + before.body.total_record).toBe(25);
    expect(after.body.data.every((c: { receivedAt: string }) => c.receivedAt >= pivot)).toBe(true);
    expect(before.body.data.every((c: { receivedAt: string }) => c.receivedAt < pivot)).toBe(true);
  });

  it("should show only the key's own enterprise", async () => {
    const res = await list({ limit: 100 }, theirs.apiKey).expect(200);
    expect(res.body.total_record).toBe(3);
    const ids = new Set(stored.map((c) => c.id));
    expect(res.body.data.some((c: { id: string }) => ids.has(c.id))).toBe(false);
  });

  it.each([
    [{ limit: 101 }, 'limit'],
    [{ limit: 0 }, 'limit'],
    [{ page: 0 }, 'page'],
    [{ page: 'two' }, 'page'],
    [{ status: 'sent' }, 'status'],
    [{ from: 'yesterday' }, 'from'],
  ])('should answer 400 for %j', async (query, field) => {
    const res = await list(query).expect(400);
    expect(res.body.errors).toHaveProperty(field);
  });

  describe('total_record past 10,000 matching callbacks', () => {
    let many: { apiKey: string; enterpriseId: string; licenseId: string };

    beforeAll(async () => {
      many = await t.issueKey();
      // In slices: one statement must end within the service's statement timeout, on a busy machine too.
      for (let first = 1; first <= 10_001; first += 2_000) {
        await t.dataSource.query(
          `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, msisdn_normalized, request_id, send_time,
             send_time_at, status, referent_id, retry_count, replay_key, raw_body)
           SELECT $1, $2, '84900000009', CASE WHEN i <= 3 THEN '84900000003' ELSE '84900000009' END, 'bulk-' || i,
                  'x', now() - i * interval '1 second', 0, 'ref', 0, sha256(('bulk' || i)::bytea), '{}'
             FROM generate_series($3::int, least($3::int + 1999, 10001)) AS i`,
          [many.enterpriseId, many.licenseId, first],
        );
      }
    });

    it('should answer 10,000 and Total-Record-Capped: true instead of counting them all', async () => {
      const res = await list({ limit: 5 }, many.apiKey).expect(200);
      expect(res.headers['total-record-capped']).toBe('true');
      expect(res.body).toMatchObject({ total_record: 10_000, current_page: 1 });
      expect(res.body.data).toHaveLength(5);
    });

    it('should count exactly, without the header, when fewer match', async () => {
      const res = await list({ msisdn: '84900000003' }, many.apiKey).expect(200);
      expect(res.headers['total-record-capped']).toBeUndefined();
      expect(res.body.total_record).toBe(3);
      const first = await list({}).expect(200);
      expect(first.headers['total-record-capped']).toBeUndefined();
    });
  });

  it('should need a key', async () => {
    await request(t.http).get(CALLBACK_PATH).expect(401);
  });

  describe('GET /api/vendor/v1/sms/callback/:id', () => {
    it('should answer one callback of the enterprise', async () => {
      const res = await request(t.http).get(`${CALLBACK_PATH}/${stored[3].id}`).set('API-KEY', mine.apiKey).expect(200);
      expect(res.body).toEqual({
        code: 200,
        data: stored[3],
        message: 'OK',
        errors: null,
        total_record: 1,
        current_page: 1,
      });
    });

    it("should answer 404 for another enterprise's callback", async () => {
      const res = await request(t.http)
        .get(`${CALLBACK_PATH}/${stored[3].id}`)
        .set('API-KEY', theirs.apiKey)
        .expect(404);
      expect(res.body).toMatchObject({ code: 404, data: null });
    });

    it('should answer 404 for an id that does not exist', async () => {
      await request(t.http)
        .get(`${CALLBACK_PATH}/00000000-0000-4000-8000-000000000000`)
        .set('API-KEY', mine.apiKey)
        .expect(404);
    });

    it('should answer 400 for an id that is not a UUID', async () => {
      const res = await request(t.http).get(`${CALLBACK_PATH}/42`).set('API-KEY', mine.apiKey).expect(400);
      expect(res.body.errors).toEqual({ id: { isUuid: 'id must be a UUID.' } });
    });
  });
});
