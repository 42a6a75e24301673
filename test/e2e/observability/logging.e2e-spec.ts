import { Controller, Get, Logger } from '@nestjs/common';
import { Writable } from 'node:stream';
import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

@Controller('test-only')
class LoggingController {
  private readonly logger = new Logger('TestOnly');

  @Get('boom')
  boom(): never {
    throw new Error('exploded');
  }

  @Get('secret')
  secret(): { ok: boolean } {
    this.logger.log({ msg: 'issued', apiKey: 'not-a-real-key-but-secret', body: { 'API-KEY': 'also-secret' } });
    return { ok: true };
  }
}

type Line = Record<string, unknown>;

describe('structured logs', () => {
  let t: TestApp;
  let text = '';
  const lines = (): Line[] =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Line);
  const accessLines = () => lines().filter((line) => 'route' in line && 'status' in line);

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    t = await createTestApp({ controllers: [LoggingController], logDestination: destination });
  });
  beforeEach(() => {
    text = '';
  });
  afterAll(async () => {
    await t.close();
  });

  it('should write one JSON access line per request with method, route, status, latency, license and request id', async () => {
    const key = await t.issueKey();
    text = '';
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key.apiKey)
      .set('X-Request-Id', 'vendor-req-42')
      .send(aCallback())
      .expect(201);
    expect(res.headers['x-request-id']).toBe('vendor-req-42');
    const access = accessLines();
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 'info',
      reqId: 'vendor-req-42',
      method: 'POST',
      route: CALLBACK_PATH,
      url: CALLBACK_PATH,
      status: 201,
      licenseId: key.licenseId,
      msg: expect.stringMatching(new RegExp(`^POST ${CALLBACK_PATH} 201 [\\d.]+ms$`)),
    });
    expect(access[0].latencyMs).toEqual(expect.any(Number));
  });

  it('should generate a request id when none, or an unacceptable one, is sent, and return it', async () => {
    for (const offered of [undefined, 'x'.repeat(300), 'has space']) {
      text = '';
      const req = request(t.http).get('/health/live');
      const res = await (offered ? req.set('X-Request-Id', offered) : req).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(accessLines()[0].reqId).toBe(res.headers['x-request-id']);
    }
  });

  it('should name the route pattern, not the path, and say why a request was refused', async () => {
    const key = await t.issueKey();
    text = '';
    await request(t.http).get(`${CALLBACK_PATH}/not-a-uuid`).set('API-KEY', key.apiKey).expect(400);
    expect(accessLines()[0]).toMatchObject({
      route: `${CALLBACK_PATH}/:id`,
      url: `${CALLBACK_PATH}/not-a-uuid`,
      status: 400,
      error: 'id must be a UUID.',
      errors: ['id.isUuid'],
    });
  });

  it('should carry the request id in the lines written about a failing request', async () => {
    const res = await request(t.http).get('/test-only/boom').set('X-Request-Id', 'trace-me').expect(500);
    const forRequest = lines().filter((line) => line.reqId === 'trace-me');
    expect(forRequest.map((line) => line.level)).toEqual(['error', 'error']);
    expect(forRequest[0]).toMatchObject({
      context: 'ExceptionFilter',
      msg: expect.stringContaining('Unexpected error'),
    });
    expect(res.body.errors.server.errorId).toEqual(expect.any(String));
    expect(JSON.stringify(forRequest[0])).toContain(res.body.errors.server.errorId);
  });

  it('should never write an API key, from a header, a body or a log call', async () => {
    const key = await t.issueKey();
    const wrongKey = `smscb_${'W'.repeat(43)}`;
    text = '';
    await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key.apiKey)
      .send(aCallback({ apiKey: key.apiKey, 'API-KEY': key.apiKey, note: `my key is ${key.apiKey}` }))
      .expect(201);
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', wrongKey).send(aCallback()).expect(401);
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send({ apiKey: key.apiKey }).expect(400);
    await request(t.http).get('/test-only/secret').expect(200);
    expect(text).not.toContain(key.apiKey);
    expect(text).not.toContain(wrongKey);
    expect(text).not.toContain('not-a-real-key-but-secret');
    expect(text).not.toContain('also-secret');
    expect(lines().find((line) => line.msg === 'issued')).toMatchObject({
      apiKey: '[Redacted]',
      body: { 'API-KEY': '[Redacted]' },
    });
  });
});
