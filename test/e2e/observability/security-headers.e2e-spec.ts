import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

/** The OWASP REST Security Cheat Sheet's headers, on every JSON answer. */
const REST_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};
/** Some of what helmet adds for documents a browser renders, and JSON answers do without. */
const DOCUMENT_ONLY = [
  'cross-origin-opener-policy',
  'referrer-policy',
  'x-dns-prefetch-control',
  'origin-agent-cluster',
];

describe('security headers', () => {
  let t: TestApp;
  let apiKey: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: 'loopback', LICENSE_RATE_LIMIT_PER_SECOND: '0' } });
    ({ apiKey } = await t.issueKey());
  });
  afterAll(async () => {
    await t.close();
  });

  const expectRestHeaders = (headers: Record<string, string>) => {
    expect(headers).toMatchObject(REST_HEADERS);
    for (const name of DOCUMENT_ONLY) {
      expect(headers[name]).toBeUndefined();
    }
  };

  it.each([
    [
      'a stored callback (201)',
      () => request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()),
      201,
    ],
    [
      'a batch (200)',
      () => request(t.http).post(`${CALLBACK_PATH}/batch`).set('API-KEY', apiKey).send([aCallback()]),
      200,
    ],
    ['a refused key (401)', () => request(t.http).post(CALLBACK_PATH).send(aCallback()), 401],
    ['an unknown route (404)', () => request(t.http).get('/api/vendor/v1/nothing'), 404],
    ['a list (200)', () => request(t.http).get(CALLBACK_PATH).set('API-KEY', apiKey), 200],
    ['the metrics (200)', () => request(t.http).get('/metrics'), 200],
  ])('should put the REST set, and only it, on %s', async (_what, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    expectRestHeaders(res.headers);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('should add HSTS to answers that came over TLS (X-Forwarded-Proto from a trusted proxy)', async () => {
    const res = await request(t.http)
      .get(CALLBACK_PATH)
      .set('API-KEY', apiKey)
      .set('X-Forwarded-Proto', 'https')
      .expect(200);
    expectRestHeaders(res.headers);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it.each(['/docs', '/docs-json', '/docs/contract.md'])("should put helmet's full set on %s", async (path) => {
    const res = await request(t.http).get(path).redirects(1);
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toBeDefined();
    for (const name of DOCUMENT_ONLY) {
      expect(res.headers[name]).toBeDefined();
    }
  });
});
