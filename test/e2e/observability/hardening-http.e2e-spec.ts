import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { postHead, RawClient } from '../../support/raw-http';
import { createTestApp, TestApp } from '../../support/test-app';

/**
 * What an attacker and a slow network found at the HTTP layer (issue 13), each answered as the service now
 * promises: bodies read after the key and within bounds of their own, slow clients and crowds of
 * connections bounded, every answer in the envelope. Raw sockets where an HTTP client cannot say it.
 */
async function listening(env: Record<string, string | undefined>): Promise<{ t: TestApp; port: number }> {
  const t = await createTestApp({ env: { AUTH_FAILURE_LIMIT: '0', LICENSE_RATE_LIMIT_PER_SECOND: '0', ...env } });
  await t.app.listen(0, '127.0.0.1');
  return { t, port: Number(new URL(await t.app.getUrl()).port) };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('reading the body (items 2, 3, 9, 10)', () => {
  let t: TestApp;
  let port: number;
  let apiKey: string;

  beforeAll(async () => {
    // A handler deadline shorter than a slow upload, and a body bound longer than it.
    ({ t, port } = await listening({ REQUEST_TIMEOUT_MS: '1000', BODY_TIMEOUT_MS: '4000', BODY_LIMIT: '64kb' }));
    ({ apiKey } = await t.issueKey());
  });
  afterAll(async () => {
    await t.close();
  });

  const headersOf = (length: number | undefined, extra: Record<string, string> = {}) => ({
    'API-KEY': apiKey,
    'Content-Type': 'application/json',
    ...(length === undefined ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': length }),
    ...extra,
  });

  const postRaw = async (headers: Record<string, string | number>, body: Buffer) => {
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, headers));
    client.write(body);
    const answer = await client.answer();
    client.destroy();
    return answer;
  };

  it('should answer 413 at once, before reading, to a declared length over the limit, and close', async () => {
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, headersOf(10_000_000)));
    client.write('{"msisdn":');
    const answer = await client.answer(2_000);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 413, errors: { body: { maxSize: expect.any(String) } } });
    expect(answer.headers.connection).toBe('close');
    expect(answer.atMs).toBeLessThan(900);
    expect(await client.closedWithin(5_000)).toBe(true);
  });

  it('should answer 413 as soon as a chunked body grows over the limit', async () => {
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, headersOf(undefined)));
    const chunk = 'x'.repeat(16 * 1024);
    for (let i = 0; i < 5; i++) {
      client.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    }
    const answer = await client.answer(3_000);
    expect(answer.status).toBe(413);
    client.destroy();
  });

  it('should store a legal body that arrives slower than the handler deadline (bound by BODY_TIMEOUT_MS)', async () => {
    const body = json(aCallback({ padding: 'p'.repeat(6_000) }));
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, headersOf(body.length)));
    // 6 KB over 2 s: twice REQUEST_TIMEOUT_MS (1 s), well within BODY_TIMEOUT_MS (4 s).
    await client.writeSlowly(body, 8, 2_000);
    const answer = await client.answer();
    expect(answer.status).toBe(201);
    client.destroy();
  });

  it('should answer 408 in the envelope to a body that stops arriving, and store nothing', async () => {
    const body = json(aCallback());
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, headersOf(body.length)));
    client.write(body.subarray(0, 20));
    const answer = await client.answer(8_000);
    expect(answer.status).toBe(408);
    expect(answer.body).toMatchObject({ code: 408, errors: { body: { timeout: expect.any(String) } } });
    expect(answer.atMs).toBeGreaterThanOrEqual(3_900);
    expect(answer.headers.connection).toBe('close');
  });

  it('should check the key before the body: 401 at once to a keyless request that never sends its body', async () => {
    const client = await RawClient.open(port);
    client.write(postHead(CALLBACK_PATH, { 'Content-Type': 'application/json', 'Content-Length': 60_000 }));
    const answer = await client.answer(2_000);
    expect(answer.status).toBe(401);
    expect(answer.atMs).toBeLessThan(900);
    client.destroy();
  });

  it('should answer 401, not 400, to a keyless request with a malformed or oversized body', async () => {
    await request(t.http).post(CALLBACK_PATH).set('Content-Type', 'application/json').send('{oops').expect(401);
    await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', 'smscb_wrong')
      .set('Content-Type', 'text/plain')
      .send('x'.repeat(100_000))
      .expect(401);
  });

  it('should send 100 Continue only once the key passed', async () => {
    const refused = await RawClient.open(port);
    refused.write(
      postHead(CALLBACK_PATH, {
        'Content-Type': 'application/json',
        'Content-Length': 100,
        Expect: '100-continue',
      }),
    );
    const unauthorized = await refused.answer(2_000);
    expect(unauthorized).toMatchObject({ status: 401, continues: 0 });
    refused.destroy();

    const body = json(aCallback());
    const accepted = await RawClient.open(port);
    accepted.write(postHead(CALLBACK_PATH, headersOf(body.length, { Expect: '100-continue' })));
    for (let i = 0; i < 100 && !accepted.text.startsWith('HTTP/1.1 100 Continue'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(accepted.text).toMatch(/^HTTP\/1\.1 100 Continue/);
    accepted.write(body);
    expect(await accepted.answer()).toMatchObject({ status: 201, continues: 1 });
    accepted.destroy();
  });

  it.each(['utf-16', 'utf-16le', 'utf-32', 'utf-7', 'latin1'])(
    'should refuse JSON declared in charset %s with 415',
    async (charset) => {
      const res = await request(t.http)
        .post(CALLBACK_PATH)
        .set('API-KEY', apiKey)
        .set('Content-Type', `application/json; charset=${charset}`)
        .send(JSON.stringify(aCallback()));
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ code: 415, errors: { 'Content-Type': { isSupported: expect.any(String) } } });
    },
  );

  it('should refuse bytes that are not UTF-8 with 400, not store them as U+FFFD', async () => {
    const text = JSON.stringify(aCallback({ referentId: 'REF-#' }));
    const bytes = Buffer.from(text);
    bytes[text.indexOf('#')] = 0xff;
    const res = await postRaw(headersOf(bytes.length), bytes);
    expect(res.status).toBe(400);
    expect(res.body?.errors).toEqual({ body: { isUtf8: 'The body is not valid UTF-8.' } });
  });

  it('should refuse Content-Encoding br (only gzip and deflate) with 415', async () => {
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', apiKey)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'br')
      .send(JSON.stringify(aCallback()));
    expect(res.status).toBe(415);
    expect(res.body.errors).toEqual({ 'Content-Encoding': { isSupported: expect.any(String) } });
  });

  it('should answer a corrupt gzip body with 400 in the envelope, naming the body', async () => {
    const gzip = gzipSync(JSON.stringify(aCallback()));
    gzip.fill(0x41, 12, 40);
    const res = await postRaw(headersOf(gzip.length, { 'Content-Encoding': 'gzip' }), gzip);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 400, errors: { body: { isEncoded: 'The body is not valid gzip data.' } } });
  });

  it('should still take a gzip body', async () => {
    const gzip = gzipSync(JSON.stringify(aCallback()));
    const res = await postRaw(headersOf(gzip.length, { 'Content-Encoding': 'gzip' }), gzip);
    expect(res.status).toBe(201);
  });

  it('should say "the body is missing" for Content-Length: 0', async () => {
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', apiKey)
      .set('Content-Type', 'application/json')
      .set('Content-Length', '0');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ body: { isObject: 'The body is missing: send a JSON object.' } });
  });

  it('should store the raw body exactly as sent: big integers and huge numbers keep every digit', async () => {
    const { apiKey: key, enterpriseId } = await t.issueKey();
    const callback = aCallback();
    const text = `${JSON.stringify(callback).slice(0, -1)},"big":9007199254740993,"huge":1e309,"exact":0.1000000000000000055511151231257827}`;
    await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', key)
      .set('Content-Type', 'application/json')
      .send(text)
      .expect(201);
    const [row] = await t.dataSource.query<Array<{ big: string; huge: boolean; exact: string }>>(
      `SELECT raw_body->>'big' AS big, (raw_body->>'huge')::numeric = 1e309 AS huge, raw_body->>'exact' AS exact
         FROM sms_callbacks WHERE enterprise_id = $1`,
      [enterpriseId],
    );
    expect(row).toEqual({ big: '9007199254740993', huge: true, exact: '0.1000000000000000055511151231257827' });
  });
  it('should answer a number jsonb cannot hold with 400 naming the request, not a 500', async () => {
    const text = `${JSON.stringify(aCallback()).slice(0, -1)},"enormous":1e200000}`;
    const res = await request(t.http)
      .post(CALLBACK_PATH)
      .set('API-KEY', apiKey)
      .set('Content-Type', 'application/json')
      .send(text);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ request: { isStorable: expect.any(String) } });
  });
});

describe('the HTTP protocol and slow clients (items 4, 10)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    ({ t, port } = await listening({ HEADERS_TIMEOUT_MS: '1000', MAX_CONNECTIONS_PER_CLIENT: '3' }));
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 408 in the envelope to headers that do not arrive within HEADERS_TIMEOUT_MS', async () => {
    const client = await RawClient.open(port, '127.0.0.9');
    client.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const answer = await client.answer(4_000);
    expect(answer.status).toBe(408);
    expect(answer.body).toMatchObject({ code: 408, errors: { request: expect.any(Object) } });
    // Node checks every second: within the timeout plus that.
    expect(answer.atMs).toBeLessThan(2_600);
    expect(await client.closedWithin(1_000)).toBe(true);
  });

  it('should keep an idle keep-alive connection past the headers timeout', async () => {
    const client = await RawClient.open(port, '127.0.0.10');
    client.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await client.answer()).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(client.closed).toBe(false);
    client.destroy();
  });

  it('should close at once the connections of one address past MAX_CONNECTIONS_PER_CLIENT, and serve others', async () => {
    const held = await Promise.all([1, 2, 3].map(() => RawClient.open(port, '127.0.0.2')));
    held.forEach((client) => client.write('GET /health/live HTTP/1.1\r\n'));
    const extra = await RawClient.open(port, '127.0.0.2');
    expect(await extra.closedWithin(1_000)).toBe(true);
    expect(extra.text).toBe('');

    const other = await RawClient.open(port, '127.0.0.3');
    other.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await other.answer()).status).toBe(200);
    [...held, other].forEach((client) => client.destroy());

    // Once they are closed, the address gets its slots back.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await RawClient.open(port, '127.0.0.2');
    again.write('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await again.answer()).status).toBe(200);
    again.destroy();
  });

  it('should answer a HTTP/1.1 request without Host with 400 in the envelope', async () => {
    const client = await RawClient.open(port, '127.0.0.4');
    client.write('GET /health/live HTTP/1.1\r\n\r\n');
    const answer = await client.answer();
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, errors: { Host: { isNotEmpty: expect.any(String) } } });
    client.destroy();
  });

  it('should answer CONNECT with 405 in the envelope (Node would close without a word)', async () => {
    const client = await RawClient.open(port, '127.0.0.4');
    client.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    const answer = await client.answer();
    expect(answer.status).toBe(405);
    expect(answer.body).toMatchObject({ code: 405, errors: { method: expect.any(Object) } });
    client.destroy();
  });

  it('should answer Expect: bogus with 417 in the envelope', async () => {
    const client = await RawClient.open(port, '127.0.0.4');
    client.write('GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\n\r\n');
    const answer = await client.answer();
    expect(answer.status).toBe(417);
    expect(answer.body).toMatchObject({ code: 417, errors: { Expect: { isSupported: expect.any(String) } } });
    client.destroy();
  });
});

describe('secrets in request ids and URLs (item 6)', () => {
  let t: TestApp;
  let text = '';

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    t = await createTestApp({ logDestination: destination });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should not take an X-Request-Id that holds an API key, nor log it', async () => {
    const { apiKey } = await t.issueKey();
    text = '';
    const res = await request(t.http).get(CALLBACK_PATH).set('API-KEY', apiKey).set('X-Request-Id', apiKey).expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toContain(apiKey.slice(6));
  });

  it('should redact a key sent in a query string from the access line, encoded or not', async () => {
    const { apiKey } = await t.issueKey();
    text = '';
    await request(t.http).get(`${CALLBACK_PATH}?apiKey=${apiKey}`).expect(401);
    await request(t.http)
      .get(`${CALLBACK_PATH}?page=1&k=${apiKey.replace('_', '%5F')}`)
      .expect(401);
    await request(t.http).get(`/health/live?token=${'t'.repeat(30)}`);
    expect(text).not.toContain(apiKey.slice(6));
    expect(text).not.toContain('t'.repeat(30));
    expect(text).toContain('apiKey=[Redacted]');
  });
});
