import request from 'supertest';
import { Lifecycle } from '../../../src/health/lifecycle.service';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import type { TcpProxy } from '../../support/tcp-proxy';
import { createTestApp, createTestAppBehindProxy, TestApp } from '../../support/test-app';

describe('health probes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer liveness 200 in the envelope without an API-KEY, never cached', async () => {
    const res = await request(t.http).get('/health/live').expect(200);
    expect(res.body).toMatchObject({
      code: 200,
      data: { status: 'ok', info: { process: { status: 'up', state: 'ready' } } },
      message: 'OK',
      errors: null,
      total_record: 1,
      current_page: 1,
    });
    expect(res.headers['cache-control']).toMatch(/no-store/);
  });

  it('should answer readiness 200 when the database answers and the service is ready', async () => {
    const res = await request(t.http).get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      code: 200,
      data: {
        status: 'ok',
        details: { lifecycle: { status: 'up', state: 'ready' }, database: { status: 'up' } },
      },
      errors: null,
    });
  });

  it('should document both probes in Swagger without API-KEY security', async () => {
    const { body } = await request(t.http).get('/docs-json').expect(200);
    for (const path of ['/health/live', '/health/ready']) {
      expect(body.paths[path].get.security).toBeUndefined();
      expect(body.paths[path].get.responses['200']).toBeDefined();
    }
    expect(body.paths['/health/ready'].get.responses['503']).toBeDefined();
  });

  it('should carry the REST security headers and no CORS headers unless configured', async () => {
    const res = await request(t.http).get('/health/live').set('Origin', 'https://evil.example').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toMatch(/no-store/);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  describe('with CORS_ORIGINS set', () => {
    let c: TestApp;

    beforeAll(async () => {
      c = await createTestApp({ env: { CORS_ORIGINS: 'https://portal.example, https://ops.example' } });
    });
    afterAll(async () => {
      await c.close();
    });

    it('should answer a preflight from a listed origin, and say nothing to another', async () => {
      const allowed = await request(c.http)
        .options(CALLBACK_PATH)
        .set('Origin', 'https://portal.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'API-KEY, Content-Type')
        .expect(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/API-KEY/);
      const other = await request(c.http).get('/health/live').set('Origin', 'https://evil.example').expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('once shutting down', () => {
    let s: TestApp;

    beforeAll(async () => {
      s = await createTestApp();
      s.app.get(Lifecycle).beginShutdown();
    });
    afterAll(async () => {
      await s.close();
    });

    it('should answer readiness 503 saying so, with Retry-After', async () => {
      const res = await request(s.http).get('/health/ready').expect(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual({
        code: 503,
        data: null,
        message: 'Not ready: lifecycle.',
        errors: { lifecycle: { isReady: 'The service is shutting down.' } },
        total_record: 0,
        current_page: 0,
      });
    });

    it('should still answer liveness 200', async () => {
      await request(s.http).get('/health/live').expect(200);
    });

    it('should answer new requests 503 in the envelope, before reading them, and store nothing', async () => {
      const res = await request(s.http).post(CALLBACK_PATH).set('API-KEY', 'whatever').send(aCallback());
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers.connection).toBe('close');
      expect(res.body).toMatchObject({ code: 503, data: null, errors: null, total_record: 0, current_page: 0 });
      expect(res.body.message).toMatch(/shutting down/);
    });
  });
});

/** The readiness status once it is 200, or the last one seen when `timeoutMs` passed. */
async function readinessWithin(t: TestApp, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await request(t.http).get('/health/ready')).status;
    if (status === 200) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return status;
}

describe('readiness when the database does not answer', () => {
  let proxy: TcpProxy;
  let t: TestApp;

  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ t, proxy, close } = await createTestAppBehindProxy());
  });
  afterAll(async () => {
    await close();
  });

  it('should turn red within about 1 s when the database is unreachable, and green again when it returns', async () => {
    await proxy.down();
    const started = Date.now();
    const res = await request(t.http).get('/health/ready').expect(503);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(res.body.errors).toEqual({ database: { isUp: expect.any(String) } });
    await proxy.up();
    await request(t.http).get('/health/ready').expect(200);
  });

  it('should turn red after 1 s when the database stops answering (a network partition)', async () => {
    proxy.stall();
    try {
      const started = Date.now();
      const res = await request(t.http).get('/health/ready').expect(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(res.body.errors).toEqual({ database: { isUp: 'timeout of 1000ms exceeded' } });
    } finally {
      await proxy.down();
      await proxy.up();
    }
    // The connection that was stuck is dropped; a probe soon connects again.
    expect(await readinessWithin(t, 10_000)).toBe(200);
  });
});
