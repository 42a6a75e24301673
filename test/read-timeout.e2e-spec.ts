import request from 'supertest';
import { CALLBACK_PATH } from './factories';
import { createTestApp, TestApp } from './test-app';

const onServer = process.env.DB_POOL_SIZE !== '1';

/**
 * A read whose statement the database does not finish within DB_STATEMENT_TIMEOUT_MS: 503 with Retry-After and a
 * message that says so (not "unreachable", not "nothing was stored"). On a server only: the embedded database has
 * one session, which a held lock would block for every connection.
 */
(onServer ? describe : describe.skip)('when the database does not answer a read in time', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { DB_STATEMENT_TIMEOUT_MS: '300' } });
    ({ apiKey } = await t.issueKey());
  });
  afterAll(async () => {
    await t?.close();
  });

  it('should answer 503 with Retry-After, saying the database did not answer in time', async () => {
    const holder = t.dataSource.createQueryRunner('master');
    await holder.connect();
    await holder.startTransaction();
    try {
      // The statistics read the rollup's state first: held, their statement waits past its timeout.
      await holder.query('LOCK TABLE sms_callback_stats_rollup IN ACCESS EXCLUSIVE MODE');
      const res = await request(t.http).get(`${CALLBACK_PATH}/stats`).set('API-KEY', apiKey);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ code: 503, data: null, errors: null });
      expect(res.body.message).toBe(
        'The database did not answer in time (statement timeout, DB_STATEMENT_TIMEOUT_MS). Send the request again ' +
          'later, or narrow it (a shorter sentFrom/sentTo range, more filters).',
      );
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await request(t.http).get(`${CALLBACK_PATH}/stats`).set('API-KEY', apiKey).expect(200);
  });
});
