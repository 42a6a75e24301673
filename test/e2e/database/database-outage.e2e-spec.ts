import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import type { TcpProxy } from '../../support/tcp-proxy';
import { createTestAppBehindProxy, TestApp } from '../../support/test-app';

describe('when the database is unreachable', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let apiKey: string;
  let enterpriseId: string;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, proxy, close } = await createTestAppBehindProxy());
    ({ apiKey, enterpriseId } = await t.issueKey());
  });
  afterAll(async () => {
    await close();
  });

  it('should answer 503 with Retry-After, store nothing, and recover by itself when it returns', async () => {
    const body = aCallback();
    await proxy.down();

    const started = Date.now();
    const refused = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toMatchObject({ code: 503, data: null, total_record: 0, current_page: 0 });
    expect(Date.now() - started).toBeLessThan(6_000);

    await proxy.up();
    const count = async () =>
      Number(
        (
          await t.dataSource.query<Array<{ count: string }>>(
            'SELECT count(*) FROM sms_callbacks WHERE enterprise_id = $1',
            [enterpriseId],
          )
        )[0].count,
      );
    expect(await count()).toBe(0);

    // The vendor sends it again: stored once, without restarting anything.
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(201);
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(200);
    expect(await count()).toBe(1);
  });
});
