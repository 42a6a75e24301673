import request from 'supertest';
import { aCallback, CALLBACK_PATH } from './factories';
import { createTestApp, TestApp } from './test-app';

describe('callback data: times, phone numbers, statistics', () => {
  let t: TestApp;
  let key: { apiKey: string; enterpriseId: string };

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    key = await t.issueKey();
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: object, apiKey = key.apiKey) =>
    request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body);
  const get = (path: string, query: Record<string, string | number> = {}) =>
    request(t.http).get(`${CALLBACK_PATH}${path}`).query(query).set('API-KEY', key.apiKey);

  describe('times', () => {
    it.each([
      ['2025-05-01T10:15:30Z', '2025-05-01T10:15:30.000Z'],
      ['2025-05-01T17:15:30+07:00', '2025-05-01T10:15:30.000Z'],
      ['2025-05-01T10:15:30.123', '2025-05-01T03:15:30.123Z'],
      ['2025-05-01 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['2025/05/01 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['01/05/2025 17:15:30', '2025-05-01T10:15:30.000Z'],
      ['20250501171530', '2025-05-01T10:15:30.000Z'],
      ['250501171530', '2025-05-01T10:15:30.000Z'],
      ['2505011715', '2025-05-01T10:15:00.000Z'],
      ['1746094530', '2025-05-01T10:15:30.000Z'],
      ['1746094530123', '2025-05-01T10:15:30.123Z'],
    ])('should read sendTime %s as %s, keeping the value as sent', async (sendTime, instant) => {
      const res = await post(aCallback({ sendTime, responseTimeTelco: undefined })).expect(201);
      expect(res.body.data.sendTime).toBe(sendTime);
      expect(res.body.data.sendTimeUtc).toBe(instant);
      expect(res.body.data.responseTimeTelcoUtc).toBeNull();
    });

    it.each([
      ['sendTime', '2025-02-30 10:00:00'],
      ['sendTime', '2025-05-01 25:61:00'],
      ['sendTime', 'yesterday'],
      ['responseTimeTelco', '2023-02-29 10:00:00'],
      ['responseTimeTelco', '12/31/2025 10:00:00'],
    ])('should answer 400 naming %s and what is wrong with %s', async (field, value) => {
      const res = await post(aCallback({ [field]: value })).expect(400);
      expect(Object.keys(res.body.errors)).toEqual([field]);
      expect(res.body.errors[field].isVendorTime).toMatch(
        new RegExp(
          `^${field} "${value}" is not (a real time: .*(day|hour|month)|a time in an accepted form: .*YYYYMMDDHHmmss)`,
        ),
      );
    });

    it('should see the same instant written in another form as a replay', async () => {
      const body = aCallback({ sendTime: '2025-05-01 17:15:30', responseTimeTelco: undefined });
      await post(body).expect(201);
      await post({ ...body, sendTime: '2025-05-01T10:15:30Z' }).expect(200);
    });
  });

  describe('phone numbers', () => {
    const forms = ['0912345678', '+84 912 345 678', '84912345678', '(+84) 912-345-678'];

    it('should store every form of one number as 84912345678, keeping the form as sent', async () => {
      for (const msisdn of forms) {
        const res = await post(aCallback({ msisdn })).expect(201);
        expect(res.body.data).toMatchObject({ msisdn, msisdnNormalized: '84912345678' });
      }
    });

    it('should keep the country code of a foreign number', async () => {
      const res = await post(aCallback({ msisdn: '+6591234567' })).expect(201);
      expect(res.body.data.msisdnNormalized).toBe('6591234567');
    });

    it('should find every form with a filter written in any form', async () => {
      for (const msisdn of forms) {
        await post(aCallback({ msisdn })).expect(201);
      }
      await post(aCallback({ msisdn: '0987654321' })).expect(201);
      for (const filter of forms) {
        const res = await get('', { msisdn: filter }).expect(200);
        expect(res.body.total_record).toBe(4);
      }
    });

    it('should see a replay written with another form of the number', async () => {
      const body = aCallback({ msisdn: '0912345678' });
      const first = await post(body).expect(201);
      const again = await post({ ...body, msisdn: '+84 912 345 678' }).expect(200);
      expect(again.body.data.id).toBe(first.body.data.id);
    });

    it.each(['not-a-number', '12', '8491234567812345678', '+'])('should answer 400 for msisdn %s', async (msisdn) => {
      const res = await post(aCallback({ msisdn })).expect(400);
      expect(res.body.errors.msisdn).toHaveProperty('isMsisdn');
    });

    it('should answer 400 for a filter that cannot be a phone number', async () => {
      const res = await get('', { msisdn: 'abc' }).expect(400);
      expect(res.body.errors.msisdn).toHaveProperty('isMsisdn');
    });
  });

  describe('filters and order by the real send time', () => {
    it('should filter with sentFrom/sentTo and order by sendTime', async () => {
      for (const sendTime of [
        '2025-05-01 08:00:00',
        '2025-05-02 08:00:00',
        '2025-05-01 23:30:00',
        '2025-04-30 08:00:00',
      ]) {
        await post(aCallback({ sendTime, responseTimeTelco: undefined })).expect(201);
      }
      // 1 May in Ho Chi Minh City, written in UTC.
      const res = await get('', {
        sentFrom: '2025-04-30T17:00:00Z',
        sentTo: '2025-05-01T17:00:00Z',
        orderBy: 'sendTime',
      }).expect(200);
      expect(res.body.data.map((c: { sendTime: string }) => c.sendTime)).toEqual([
        '2025-05-01 23:30:00',
        '2025-05-01 08:00:00',
      ]);
    });
  });

  describe('GET /api/vendor/v1/sms/callback/stats', () => {
    it('should count by status, distinct requests and telco latency as counted by hand', async () => {
      // requestId, status, sendTime, responseTimeTelco (latency)
      const fixture: Array<[string, number | undefined, string, string | undefined]> = [
        ['r1', 0, '2025-05-01 10:00:00', '2025-05-01 10:00:01'], // 1000 ms
        ['r1', 0, '2025-05-01 10:00:00', '2025-05-01 10:00:03'], // 3000 ms (same request, another report)
        ['r2', 2, '2025-05-01 11:00:00', '2025-05-01 11:00:02'], // 2000 ms
        ['r3', 2, '2025-05-01 12:00:00', '2025-05-01 12:00:10'], // 10000 ms
        ['r4', undefined, '2025-05-01 13:00:00', undefined], // no status, no latency
        ['r5', 5, '2025-05-02 09:00:00', '2025-05-02 09:00:04'], // next day: outside the day's window
      ];
      for (const [requestId, status, sendTime, responseTimeTelco] of fixture) {
        await post(aCallback({ requestId, status, sendTime, responseTimeTelco })).expect(201);
      }
      const day = { sentFrom: '2025-05-01T00:00:00+07:00', sentTo: '2025-05-02T00:00:00+07:00' };
      const res = await get('/stats', day).expect(200);
      expect(res.body).toMatchObject({ code: 200, errors: null, total_record: 1, current_page: 1 });
      expect(res.body.data).toEqual({
        total: 5,
        distinctRequestIds: 4,
        byStatus: [
          { status: 0, count: 2 },
          { status: 2, count: 2 },
          { status: null, count: 1 },
        ],
        telcoLatency: { count: 4, minMs: 1000, medianMs: 2500, p95Ms: 8950, maxMs: 10000 },
        approximate: false,
      });

      const all = await get('/stats').expect(200);
      expect(all.body.data.total).toBe(6);
    });

    it('should answer zeros and nulls for an enterprise without callbacks', async () => {
      const res = await get('/stats').expect(200);
      expect(res.body.data).toEqual({
        total: 0,
        distinctRequestIds: 0,
        byStatus: [],
        telcoLatency: { count: 0, minMs: null, medianMs: null, p95Ms: null, maxMs: null },
        approximate: expect.any(Boolean),
      });
    });

    it('should answer 400 for a bad time filter', async () => {
      const res = await get('/stats', { sentFrom: 'monday' }).expect(400);
      expect(res.body.errors).toHaveProperty('sentFrom');
    });
  });
});
