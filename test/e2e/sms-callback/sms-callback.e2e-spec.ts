import { EventEmitter2 } from '@nestjs/event-emitter';
import request from 'supertest';
import {
  SMS_CALLBACK_STORED,
  SmsCallbackStoredEvent,
} from '../../../src/sms-callback/events/sms-callback-stored.event';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

describe('POST /api/vendor/v1/sms/callback', () => {
  let t: TestApp;
  let key: { apiKey: string; licenseId: string; enterpriseId: string };

  beforeAll(async () => {
    t = await createTestApp();
  });
  beforeEach(async () => {
    key = await t.issueKey();
  });
  afterAll(async () => {
    await t.close();
  });

  const rowsOf = async (enterpriseId: string) =>
    t.dataSource.query<Array<Record<string, unknown>>>(
      'SELECT * FROM sms_callbacks WHERE enterprise_id = $1 ORDER BY received_at',
      [enterpriseId],
    );

  it("should answer the spec's own curl example with 201 in the envelope", async () => {
    // The request of sms-callback.vi.md, with realistic values in place of the "string" placeholders.
    const body = {
      msisdn: '84912345678',
      requestId: 'REQ-20250501-0001',
      sendTime: '2025-05-01 17:15:30',
      responseTimeTelco: '2025-05-01 17:15:32',
      status: 0,
      referentId: 'MSG-7F3A9C',
      retryCount: 0,
    };
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('accept', '*/*')
      .set('API-KEY', key.apiKey)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body).toEqual({
      code: 201,
      data: {
        ...body,
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        msisdnNormalized: '84912345678',
        // No zone in the values: local to CALLBACK_TIMEZONE, Asia/Ho_Chi_Minh (UTC+7).
        sendTimeUtc: '2025-05-01T10:15:30.000Z',
        responseTimeTelcoUtc: '2025-05-01T10:15:32.000Z',
        receivedAt: expect.any(String),
      },
      message: 'Created',
      errors: null,
      total_record: 1,
      current_page: 1,
    });
    expect(new Date(res.body.data.receivedAt).toISOString()).toBe(res.body.data.receivedAt);
  });

  it('should store the callback with its enterprise, license, the seven fields and the raw body', async () => {
    const body = aCallback({ vendorExtra: { batch: 7 }, status: 2 });
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);

    const rows = await rowsOf(key.enterpriseId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: res.body.data.id,
      enterprise_id: key.enterpriseId,
      license_id: key.licenseId,
      msisdn: body.msisdn,
      request_id: body.requestId,
      send_time: body.sendTime,
      response_time_telco: body.responseTimeTelco,
      status: 2,
      referent_id: body.referentId,
      retry_count: 0,
      raw_body: body,
    });
  });

  it('should drop unknown fields from the answer but keep them in the raw body', async () => {
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key.apiKey)
      .send(aCallback({ operator: 'viettel' }))
      .expect(201);
    expect(res.body.data).not.toHaveProperty('operator');
    const [row] = await rowsOf(key.enterpriseId);
    expect((row.raw_body as Record<string, unknown>).operator).toBe('viettel');
  });

  it('should answer responseTimeTelco and status as null when they are omitted', async () => {
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key.apiKey)
      .send(aCallback({ responseTimeTelco: undefined, status: undefined }))
      .expect(201);
    expect(res.body.data.responseTimeTelco).toBeNull();
    expect(res.body.data.status).toBeNull();
  });

  it('should accept numbers sent as numeric strings, as those numbers', async () => {
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key.apiKey)
      .send(aCallback({ status: '3', retryCount: '2' }))
      .expect(201);
    expect(res.body.data.status).toBe(3);
    expect(res.body.data.retryCount).toBe(2);
    const [row] = await rowsOf(key.enterpriseId);
    expect(row.status).toBe(3);
    expect(row.retry_count).toBe(2);
  });

  describe('replays', () => {
    it('should answer an exact replay with 200, Idempotent-Replayed and the stored record, storing nothing', async () => {
      const body = aCallback();
      const first = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();

      const again = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.body).toMatchObject({ code: 200, errors: null, total_record: 1, current_page: 1 });
      expect(again.body.data).toEqual(first.body.data);
      expect(await rowsOf(key.enterpriseId)).toHaveLength(1);
    });

    it('should catch a replay that omits the optional fields', async () => {
      const body = aCallback({ status: undefined, responseTimeTelco: undefined });
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(200);
      expect(await rowsOf(key.enterpriseId)).toHaveLength(1);
    });

    it('should treat null optional fields as omitted ones', async () => {
      const body = aCallback({ status: undefined, responseTimeTelco: undefined });
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http)
        .post(CALLBACK_PATH)
        .set('API-KEY', key.apiKey)
        .send({ ...body, status: null, responseTimeTelco: null })
        .expect(200);
      expect(await rowsOf(key.enterpriseId)).toHaveLength(1);
    });

    it('should treat "3" and 3 as the same status', async () => {
      const body = aCallback({ status: 3 });
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http)
        .post(CALLBACK_PATH)
        .set('API-KEY', key.apiKey)
        .send({ ...body, status: '3' })
        .expect(200);
    });

    it('should store a callback that differs in any one field, including the retry count', async () => {
      const body = aCallback();
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      for (const change of [
        { retryCount: 1 },
        { status: 1 },
        { status: undefined },
        { responseTimeTelco: '2025-05-01 17:15:33' },
        { sendTime: '2025-05-01 17:15:31' },
        { msisdn: '84912345679' },
      ]) {
        await request(t.http)
          .post(CALLBACK_PATH)
          .set('API-KEY', key.apiKey)
          .send(aCallback({ ...body, ...change }))
          .expect(201);
      }
      expect(await rowsOf(key.enterpriseId)).toHaveLength(7);
    });

    it('should not count an unknown field as a difference', async () => {
      const body = aCallback();
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http)
        .post(CALLBACK_PATH)
        .set('API-KEY', key.apiKey)
        .send({ ...body, note: 'resent' })
        .expect(200);
    });

    it('should store the same callback once per enterprise', async () => {
      const other = await t.issueKey();
      const body = aCallback();
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', other.apiKey).send(body).expect(201);
    });

    it('should see a replay sent with another key of the same enterprise', async () => {
      const second = await t.issueKey({ enterpriseId: key.enterpriseId });
      const body = aCallback();
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
      await request(t.http).post(CALLBACK_PATH).set('API-KEY', second.apiKey).send(body).expect(200);
    });

    it('should store exactly one row for 20 identical requests in parallel: one 201, nineteen 200', async () => {
      const body = aCallback();
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body)),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(19);
      expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(1);
      expect(await rowsOf(key.enterpriseId)).toHaveLength(1);
    });
  });

  describe('the sms-callback.stored event', () => {
    it('should be emitted once for a new callback and not for its replay', async () => {
      const events: SmsCallbackStoredEvent[] = [];
      const emitter = t.app.get(EventEmitter2);
      const listener = (event: SmsCallbackStoredEvent) => events.push(event);
      emitter.on(SMS_CALLBACK_STORED, listener);
      try {
        const body = aCallback();
        const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
        await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(200);
        expect(events).toHaveLength(1);
        expect(events[0]).toMatchObject({
          enterpriseId: key.enterpriseId,
          licenseId: key.licenseId,
          callback: res.body.data,
        });
      } finally {
        emitter.off(SMS_CALLBACK_STORED, listener);
      }
    });

    it('should still answer 201 when a subscriber throws', async () => {
      const emitter = t.app.get(EventEmitter2);
      const listener = () => {
        throw new Error('subscriber bug');
      };
      emitter.on(SMS_CALLBACK_STORED, listener);
      try {
        await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(aCallback()).expect(201);
        expect(await rowsOf(key.enterpriseId)).toHaveLength(1);
      } finally {
        emitter.off(SMS_CALLBACK_STORED, listener);
      }
    });
  });
});
