import { Controller, Get } from '@nestjs/common';
import { Writable } from 'node:stream';
import request from 'supertest';
import { CallbackRetentionService } from '../../../src/sms-callback/retention/callback-retention.service';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import type { TcpProxy } from '../../support/tcp-proxy';
import { createTestApp, createTestAppBehindProxy, TestApp } from '../../support/test-app';

/**
 * The database stops answering without closing anything (a network partition, a frozen server): only
 * timeouts can tell. Every request must still be answered, 503 with Retry-After, within 5 s; nothing may
 * be acknowledged that is not stored; and the service must recover by itself.
 */
describe('when the database stops answering', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, proxy, close } = await createTestAppBehindProxy());
  });
  afterAll(async () => {
    await close();
  });

  it('should answer callbacks 503 with Retry-After within 5 s, store nothing, and recover by itself', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const body = aCallback();
    // The partition maintenance that starts with the application finishes first (runs take turns): the cut is
    // to meet the callbacks alone, not a maintenance statement holding the one pooled connection of PGlite.
    await t.app.get(CallbackRetentionService).runMaintenance();
    proxy.stall();
    const started = Date.now();
    const answers = await Promise.all(
      [body, aCallback(), aCallback()].map((callback) =>
        request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(callback),
      ),
    );
    const elapsed = Date.now() - started;
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({ code: 503, data: null, total_record: 0, current_page: 0 });
    }
    expect(elapsed).toBeLessThan(5_000);

    // The partition ends: connections that were stuck are cut, new ones work.
    await proxy.down();
    await proxy.up();
    let status = 0;
    for (let attempt = 0; attempt < 20 && status !== 201; attempt++) {
      status = (await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body)).status;
      if (status !== 201) {
        expect(status).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(status).toBe(201);
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(body).expect(200);
    const [{ count }] = await t.dataSource.query<Array<{ count: string }>>(
      'SELECT count(*) FROM sms_callbacks WHERE enterprise_id = $1',
      [enterpriseId],
    );
    expect(Number(count)).toBe(1);
  });
});

@Controller('test-only')
class SlowController {
  @Get('slow')
  async slow(): Promise<{ late: boolean }> {
    await new Promise((resolve) => setTimeout(resolve, 600));
    return { late: true };
  }
}

describe('the request timeout', () => {
  let t: TestApp;
  let logs = '';

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs += chunk.toString();
        done();
      },
    });
    t = await createTestApp({
      controllers: [SlowController],
      env: { REQUEST_TIMEOUT_MS: '200' },
      logDestination: destination,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 503 in the envelope with Retry-After, and drop the late answer quietly', async () => {
    const started = Date.now();
    const res = await request(t.http).get('/test-only/slow');
    expect(Date.now() - started).toBeLessThan(550);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ code: 503, data: null, errors: null });
    expect(res.body.message).toMatch(/took longer than 200 ms/);
    // The handler finishes later: no error, no crash, the service goes on.
    await new Promise((resolve) => setTimeout(resolve, 700));
    await request(t.http).get('/health/live').expect(200);
    const levels = logs
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { level: string }).level);
    expect(levels).not.toContain('error');
    expect(levels).toContain('warn');
  });
});
