import fc from 'fast-check';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

/**
 * Hostile input, generated: thousands of bodies (wrong types, missing and extra fields, huge strings,
 * unicode, nesting, arrays, nulls, numbers out of range, SQL and script fragments), headers (content
 * types, encodings, API-KEY values) and raw bytes, in the body and as the HTTP request itself. Every
 * answer must be the envelope in JSON with `code` equal to the status, never a 5xx; a refused request
 * stores nothing; and the process takes the next request as if nothing happened.
 */

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

interface Tally {
  sent: number;
  statuses: Record<number, number>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** One request over a real socket (supertest would listen anew for each of thousands). */
function send(
  baseUrl: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body;
    const headers = { ...options.headers };
    if (body && !options.chunked) {
      headers['Content-Length'] = String(body.length);
    }
    const req = httpRequest(
      `${baseUrl}${options.path ?? CALLBACK_PATH}`,
      { method: options.method ?? 'POST', headers, agent, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer is the envelope, in JSON, with `code` = the status; an error carries no data. */
function expectEnvelope(answer: Answer): void {
  expect(answer.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['code', 'current_page', 'data', 'errors', 'message', 'total_record']);
  expect(body.code).toBe(answer.status);
  expect(typeof body.message).toBe('string');
  if (answer.status >= 400) {
    expect(body).toMatchObject({ data: null, total_record: 0, current_page: 0 });
  }
}

function expect4xx(answer: Answer): void {
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(answer.status).toBeLessThan(500);
  expectEnvelope(answer);
}

function record(tally: Tally, status: number): void {
  tally.sent++;
  tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
}

function report(name: string, tally: Tally, stored: number): void {
  const statuses = Object.entries(tally.statuses)
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  process.stdout.write(`fuzz ${name}: sent ${tally.sent} (${statuses}); 5xx 0; stored ${stored}\n`);
}

// --- arbitraries --------------------------------------------------------------------------------------

const SQL_AND_SCRIPT = [
  "'; DROP TABLE sms_callbacks; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '$$; DELETE FROM licenses; $$',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '{{7*7}}',
  '${jndi:ldap://x}',
  '../../../../etc/passwd',
  '\u202Egnp.exe',
  '\uFEFF\u200B',
];

const hostileString = fc.oneof(
  fc.constantFrom(...SQL_AND_SCRIPT),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

const anyJson = fc.jsonValue({ maxDepth: 4 });

/** What a field can be set to that is not a string (the validators must refuse it for a string field). */
const notAString = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
);

/** What `retryCount` (an int32 >= 0) and `status` (an int32) must refuse. */
const badRetryCount = fc.oneof(
  fc.integer({ min: -2_147_483_648, max: -1 }),
  fc.integer({ min: 2_147_483_648, max: Number.MAX_SAFE_INTEGER }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
  fc.constantFrom(1e308, -1e308, 'abc', '1.5', '', ' ', '0x10', '1e3'),
  notAString,
);
const badStatus = fc.oneof(
  fc.integer({ min: 2_147_483_648, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: -2_147_483_649 }),
  fc.constantFrom(1.5, -0.25, 1e308, 'abc', 'NaN', true, false),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }),
);

const REQUIRED_STRINGS = { msisdn: 32, requestId: 255, sendTime: 64, referentId: 255 } as const;
type StringField = keyof typeof REQUIRED_STRINGS;
const stringField = fc.constantFrom(...(Object.keys(REQUIRED_STRINGS) as StringField[]));

type Mutation = (body: Record<string, unknown>) => void;

/** One change that makes a valid callback invalid. */
const breaker: fc.Arbitrary<Mutation> = fc.oneof<fc.Arbitrary<Mutation>[]>(
  fc
    .constantFrom('msisdn', 'requestId', 'sendTime', 'referentId', 'retryCount')
    .map((field) => (body: Record<string, unknown>) => {
      delete body[field];
    }),
  fc.tuple(stringField, notAString).map(([field, value]) => (body: Record<string, unknown>) => {
    body[field] = value;
  }),
  stringField.map((field) => (body: Record<string, unknown>) => {
    body[field] = '';
  }),
  fc.tuple(stringField, fc.integer({ min: 1, max: 3_000 })).map(([field, extra]) => (body: Record<string, unknown>) => {
    body[field] = 'x'.repeat(REQUIRED_STRINGS[field] + extra);
  }),
  fc
    .tuple(fc.constantFrom('requestId', 'referentId'), fc.constantFrom('\u0000', '\ud800', '\udfff'))
    .map(([field, bad]) => (body: Record<string, unknown>) => {
      body[field] = `a${bad}b`;
    }),
  badRetryCount.map((value) => (body: Record<string, unknown>) => {
    body.retryCount = value;
  }),
  badStatus.map((value) => (body: Record<string, unknown>) => {
    body.status = value;
  }),
  fc.constant((body: Record<string, unknown>) => {
    body.padding = 'p'.repeat(70 * 1024);
  }),
);

const extraFields = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...SQL_AND_SCRIPT), fc.constant('__proto__')),
  fc.oneof(anyJson, hostileString),
  { maxKeys: 4 },
);

const printableHeaderValue = (maxLength: number) =>
  fc
    .array(fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })), { maxLength })
    .map((codes) => Buffer.from(codes).toString('latin1').trim());

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nonsense',
  'application/octet-stream',
  'image/png',
  '*/*',
  'application/',
  ';;;',
  'application/json',
  'application/vnd.api+json',
  'APPLICATION/JSON',
];
const contentType = fc.oneof(fc.constantFrom(...CONTENT_TYPES), printableHeaderValue(60));

// --- the properties -----------------------------------------------------------------------------------

describe('hostile input', () => {
  let t: TestApp;
  let baseUrl: string;

  const storedFor = async (enterpriseId: string): Promise<number> =>
    Number(
      (
        await t.dataSource.query<Array<{ count: string }>>(
          'SELECT count(*) FROM sms_callbacks WHERE enterprise_id = $1',
          [enterpriseId],
        )
      )[0].count,
    );
  const storedInAll = async (): Promise<number> =>
    Number((await t.dataSource.query<Array<{ count: string }>>('SELECT count(*) FROM sms_callbacks'))[0].count);
  const stillServing = async () => {
    const answer = await send(baseUrl, { method: 'GET', path: '/health/live' });
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    // No rate limit of any kind: this is about what the service answers, not how often.
    t = await createTestApp({ env: { LICENSE_RATE_LIMIT_PER_SECOND: '0', AUTH_FAILURE_LIMIT: '0' } });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    agent.destroy();
    await t.close();
  });

  it('should refuse every invalid callback body with a 4xx in the envelope and store nothing', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const tally: Tally = { sent: 0, statuses: {} };
    await fc.assert(
      fc.asyncProperty(fc.array(breaker, { minLength: 1, maxLength: 3 }), extraFields, async (breakers, extras) => {
        const body: Record<string, unknown> = { ...extras, ...aCallback() };
        breakers.forEach((apply) => apply(body));
        const answer = await send(baseUrl, {
          headers: { 'API-KEY': apiKey, 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify(body)),
        });
        record(tally, answer.status);
        expect4xx(answer);
      }),
      { numRuns: 1_500 },
    );
    const stored = await storedFor(enterpriseId);
    report('invalid bodies', tally, stored);
    expect(stored).toBe(0);
    await stillServing();
  });

  it('should answer any JSON value as a body with the envelope, never a 5xx, and store only what it acknowledges', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const tally: Tally = { sent: 0, statuses: {} };
    let acknowledged = 0;
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 6 }),
      fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }).map((value) => {
        try {
          return JSON.parse(JSON.stringify(value) ?? 'null') as unknown;
        } catch {
          return null;
        }
      }),
      fc
        .record({ requestId: hostileString, referentId: hostileString, extras: extraFields })
        .map(({ requestId, referentId, extras }) => ({ ...extras, ...aCallback({ requestId, referentId }) })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (value) => {
        const answer = await send(baseUrl, {
          headers: { 'API-KEY': apiKey, 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify(value) ?? ''),
        });
        record(tally, answer.status);
        if (answer.status < 300) {
          // 201: stored now; 200: the same callback came up twice (a replay), nothing new stored.
          expect([200, 201]).toContain(answer.status);
          expectEnvelope(answer);
          acknowledged += answer.status === 201 ? 1 : 0;
        } else {
          expect4xx(answer);
        }
      }),
      { numRuns: 1_000 },
    );
    const stored = await storedFor(enterpriseId);
    report('JSON values and hostile strings', tally, stored);
    expect(stored).toBe(acknowledged);
    // SQL fragments were data, nothing else: the tables are all there.
    await expect(t.dataSource.query('SELECT count(*) FROM licenses')).resolves.toHaveLength(1);
    await stillServing();
  });

  it('should answer odd headers (content types, encodings, API-KEY values) with a 4xx in the envelope', async () => {
    const before = await storedInAll();
    const tally: Tally = { sent: 0, statuses: {} };
    const headers = fc.record(
      {
        contentType,
        apiKey: fc.oneof(
          printableHeaderValue(64),
          printableHeaderValue(2_000),
          fc.constantFrom('', ' ', 'smscb_', `smscb_${'A'.repeat(43)}`, 'null', 'undefined', "' OR 1=1 --"),
          fc.integer({ min: 8_000, max: 20_000 }).map((length) => 'k'.repeat(length)),
        ),
        encoding: fc.constantFrom(undefined, 'gzip', 'deflate', 'br', 'identity', 'x-nonsense', 'gzip, gzip'),
        accept: fc.constantFrom(undefined, '*/*', 'text/html', 'application/xml', '', 'nonsense'),
        chunked: fc.boolean(),
      },
      { requiredKeys: ['contentType', 'encoding', 'chunked'] },
    );
    await fc.assert(
      fc.asyncProperty(headers, async ({ contentType: type, apiKey, encoding, accept, chunked }) => {
        const sent: Record<string, string> = {};
        if (type !== undefined) {
          sent['Content-Type'] = type;
        }
        if (apiKey !== undefined) {
          sent['API-KEY'] = apiKey;
        }
        if (encoding !== undefined) {
          sent['Content-Encoding'] = encoding;
        }
        if (accept !== undefined) {
          sent.Accept = accept;
        }
        const answer = await send(baseUrl, { headers: sent, body: Buffer.from(JSON.stringify(aCallback())), chunked });
        record(tally, answer.status);
        expect4xx(answer);
      }),
      { numRuns: 600 },
    );
    const stored = (await storedInAll()) - before;
    report('headers', tally, stored);
    expect(stored).toBe(0);
    await stillServing();
  });

  it('should answer raw bytes as a body with a 4xx in the envelope and store nothing', async () => {
    const { apiKey, enterpriseId } = await t.issueKey();
    const tally: Tally = { sent: 0, statuses: {} };
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4_096 }),
        fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'text/plain'),
        fc.constantFrom(undefined, 'gzip', 'deflate'),
        async (bytes, type, encoding) => {
          const headers: Record<string, string> = { 'API-KEY': apiKey };
          if (type) {
            headers['Content-Type'] = type;
          }
          if (encoding) {
            headers['Content-Encoding'] = encoding;
          }
          const answer = await send(baseUrl, { headers, body: Buffer.from(bytes) });
          record(tally, answer.status);
          expect4xx(answer);
        },
      ),
      { numRuns: 600 },
    );
    const stored = await storedFor(enterpriseId);
    report('raw bodies', tally, stored);
    expect(stored).toBe(0);
    await stillServing();
  });

  it('should answer malformed HTTP with a 4xx in the envelope (or close), and keep serving', async () => {
    const port = Number(new URL(baseUrl).port);
    const tally: Tally = { sent: 0, statuses: {} };
    const starts = fc.constantFrom(
      '',
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /health/live HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n',
      'POST /api/vendor/v1/sms/callback HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'POST /api/vendor/v1/sms/callback HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n',
      'POST /api/vendor/v1/sms/callback HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n',
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
      'GET /\u0000 HTTP/1.1\r\n\r\n',
    );
    await fc.assert(
      fc.asyncProperty(starts, fc.uint8Array({ maxLength: 512 }), async (start, bytes) => {
        const raw = await rawExchange(port, Buffer.concat([Buffer.from(start, 'latin1'), Buffer.from(bytes)]));
        if (raw.length === 0) {
          record(tally, 0);
          return;
        }
        const [head, ...rest] = raw.split('\r\n\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
        record(tally, status);
        expect(status).toBeGreaterThanOrEqual(400);
        expect(status).toBeLessThan(500);
        const contentTypeHeader = /\r\ncontent-type: ([^\r]*)/i.exec(head)?.[1] ?? '';
        expectEnvelope({ status, contentType: contentTypeHeader, text: rest.join('\r\n\r\n') });
      }),
      { numRuns: 200 },
    );
    report('malformed HTTP (0 = closed without an answer)', tally, 0);
    await stillServing();
  });
});

/** Writes bytes on a fresh connection, half-closes it, and returns what came back before it closed. */
function rawExchange(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), 3_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.end(bytes);
  });
}
