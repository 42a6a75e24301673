import { Document, Spectral, type RulesetDefinition } from '@stoplight/spectral-core';
import { Json } from '@stoplight/spectral-parsers';
import OpenAPIResponseValidator from 'openapi-response-validator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { sortKeys } from '../../../src/swagger';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { ADMIN_ENV, adminApi, LICENSES_PATH, sleep } from '../../support/admin-api';
import { createTestApp, TestApp } from '../../support/test-app';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the linter's config is CommonJS, as Spectral reads it
const ruleset = require('../../../.spectral.js') as RulesetDefinition;

interface Operation {
  responses: Record<string, { headers?: Record<string, { required?: boolean }> }>;
}
interface OpenApi {
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  servers: unknown[];
}

async function lint(document: unknown) {
  const spectral = new Spectral();
  spectral.setRuleset(ruleset);
  const results = await spectral.run(new Document(JSON.stringify(document), Json, 'docs-json'));
  return results.map((r) => `${['error', 'warn', 'info', 'hint'][r.severity]} ${r.code} ${r.path.join('.')}`);
}

/** The document's path template a real path belongs to (`/a/{id}` for `/a/42`), literal paths first. */
function templateOf(document: OpenApi, path: string): string | undefined {
  const templates = Object.keys(document.paths).sort((a, b) => a.split('{').length - b.split('{').length);
  return templates.find((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path));
}

/**
 * Checks a real answer against the document: its status is listed for the operation (for a 405, for every
 * operation of the path), its body validates against that response's schema, and the headers the response
 * documents as required are sent.
 */
function expectConforms(document: OpenApi, method: string, res: request.Response): void {
  const url = new URL(res.request.url);
  const template = templateOf(document, url.pathname);
  if (!template) {
    throw new Error(`${url.pathname} is not in the document`);
  }
  const operations =
    res.status === 405 ? Object.values(document.paths[template]) : [document.paths[template][method.toLowerCase()]];
  for (const operation of operations) {
    const where = `${method} ${url.pathname} -> ${res.status}`;
    expect({ where, documented: Object.keys(operation?.responses ?? {}) }).toEqual({
      where,
      documented: expect.arrayContaining([String(res.status)]),
    });
    const validator = new OpenAPIResponseValidator({
      responses: operation.responses,
      components: document.components,
    } as ConstructorParameters<typeof OpenAPIResponseValidator>[0]);
    const body = res.type === 'application/json' ? res.body : res.text;
    expect({ where, errors: validator.validateResponse(res.status, body)?.errors }).toEqual({
      where,
      errors: undefined,
    });
    const headers = operation.responses[String(res.status)].headers ?? {};
    for (const header of Object.keys(headers).filter((name) => headers[name].required)) {
      expect({ where, header, sent: res.headers[header.toLowerCase()] !== undefined }).toEqual({
        where,
        header,
        sent: true,
      });
    }
  }
}

const BATCH_PATH = `${CALLBACK_PATH}/batch`;

describe('the published contract (/docs-json)', () => {
  let t: TestApp;
  let document: OpenApi;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...ADMIN_ENV, LICENSE_RATE_LIMIT_PER_SECOND: '1000' } });
    document = (await request(t.http).get('/docs-json').expect(200)).body as OpenApi;
  });
  afterAll(async () => {
    await t.close();
  });

  it("should lint clean with Spectral's oas ruleset (no error, no warning but those .spectral.js justifies)", async () => {
    expect(await lint(document)).toEqual([]);
  });

  it('should be the committed openapi.json', () => {
    const committed = readFileSync(join(__dirname, '..', '..', '..', 'openapi.json'), 'utf8');
    expect(`${JSON.stringify(sortKeys(document), null, 2)}\n`).toBe(committed);
  });

  it('should give every operation a description, the servers, and 405 on every operation', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect({ path, method, description: (operation as { description?: string }).description }).toEqual({
          path,
          method,
          description: expect.stringMatching(/\w{3,}/),
        });
        expect(operation.responses['405'].headers).toHaveProperty('Allow');
      }
    }
  });

  it('should document every answer of the vendor routes, and each body should fit its schema', async () => {
    const { apiKey, licenseId } = await t.issueKey();
    const key = (test: request.Test) => test.set('API-KEY', apiKey);
    const body = aCallback();
    const created = await key(request(t.http).post(CALLBACK_PATH)).send(body).expect(201);
    const id = created.body.data.id as string;
    const answers: Array<[string, request.Response]> = [
      ['POST', created],
      ['POST', await key(request(t.http).post(CALLBACK_PATH)).send(body).expect(200)],
      ['POST', await key(request(t.http).post(CALLBACK_PATH)).send({ ...body, msisdn: 'x', retryCount: -1 })],
      ['POST', await key(request(t.http).post(CALLBACK_PATH)).set('Content-Type', 'application/json').send('{"a')],
      ['POST', await key(request(t.http).post(CALLBACK_PATH)).set('Content-Type', 'text/plain').send('msisdn=1')],
      ['POST', await key(request(t.http).post(CALLBACK_PATH)).send(aCallback({ pad: 'x'.repeat(70_000) }))],
      ['POST', await request(t.http).post(CALLBACK_PATH).send(body)],
      ['DELETE', await key(request(t.http).delete(CALLBACK_PATH))],
      ['GET', await key(request(t.http).get(CALLBACK_PATH))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}?limit=1000`))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}/stats`))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}/stats?sentFrom=yesterday`))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}/${id}`))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}/not-a-uuid`))],
      ['GET', await key(request(t.http).get(`${CALLBACK_PATH}/00000000-0000-4000-8000-000000000000`))],
      ['POST', await key(request(t.http).post(`${CALLBACK_PATH}/${id}`))],
      [
        'POST',
        await key(request(t.http).post(BATCH_PATH))
          .send([aCallback(), body, { ...body, status: 'x' }])
          .expect(200),
      ],
      [
        'POST',
        await key(request(t.http).post(BATCH_PATH))
          .send({ ...body })
          .expect(400),
      ],
      ['POST', await key(request(t.http).post(BATCH_PATH)).send([]).expect(400)],
      [
        'POST',
        await key(request(t.http).post(BATCH_PATH))
          .send(Array.from({ length: 1_001 }, () => ({})))
          .expect(413),
      ],
      ['POST', await request(t.http).post(BATCH_PATH).send([body]).expect(401)],
    ];
    await t.licenses.suspend(licenseId, 'test');
    await sleep(50);
    const suspended = await t.issueKey({ rateLimitPerSecond: 1 });
    await t.licenses.suspend(suspended.licenseId, 'test');
    answers.push(['GET', await request(t.http).get(CALLBACK_PATH).set('API-KEY', suspended.apiKey)]);
    const limited = await t.issueKey({ rateLimitPerSecond: 1 });
    const burst = await Promise.all(
      [1, 2, 3].map(() => request(t.http).get(CALLBACK_PATH).set('API-KEY', limited.apiKey)),
    );
    answers.push(...burst.map((res): [string, request.Response] => ['GET', res]));
    answers.push([
      'POST',
      await request(t.http)
        .post(BATCH_PATH)
        .set('API-KEY', limited.apiKey)
        .send([aCallback(), aCallback()])
        .expect(429),
    ]);
    answers.push([
      'POST',
      await request(t.http).post(BATCH_PATH).set('API-KEY', suspended.apiKey).send([aCallback()]).expect(403),
    ]);

    const statuses = new Set(answers.map(([, res]) => res.status));
    expect([...statuses].sort()).toEqual([200, 201, 400, 401, 403, 404, 405, 413, 415, 429]);
    for (const [method, res] of answers) {
      expectConforms(document, method, res);
    }
  });

  it('should document every answer of the admin routes, and each body should fit its schema', async () => {
    const admin = adminApi(t.http);
    const created = await admin.post('', { enterpriseId: 'contract-test', label: 'a' }).expect(201);
    const id = created.body.data.id as string;
    const answers: Array<[string, request.Response]> = [
      ['POST', created],
      ['POST', await admin.post('', { enterpriseId: '', allowedIps: ['nope'] })],
      ['GET', await admin.get()],
      ['GET', await admin.get('?status=gone')],
      ['GET', await admin.get(`/${id}`)],
      ['GET', await admin.get('/not-a-uuid')],
      ['GET', await admin.get('/00000000-0000-4000-8000-000000000000')],
      ['PATCH', await admin.patch(`/${id}`, { label: null, rateLimitPerSecond: 5 })],
      ['PATCH', await admin.patch(`/${id}`, { validFrom: '2030-01-01', expiresAt: '2029-01-01' })],
      ['POST', await admin.post(`/${id}/suspend`)],
      ['POST', await admin.post(`/${id}/resume`)],
      ['POST', await admin.post('/not-a-uuid/suspend')],
      ['POST', await admin.post(`/${id}/rotate?overlapSeconds=60`)],
      ['POST', await admin.post(`/${id}/rotate?overlapSeconds=-1`)],
      ['GET', await admin.get(`/${id}/events`)],
      ['GET', await admin.get(`/${id}/events?limit=0`)],
      ['POST', await admin.post(`/${id}/revoke`)],
      ['POST', await admin.post(`/${id}/resume`)],
      ['GET', await request(t.http).get(LICENSES_PATH)],
      ['DELETE', await request(t.http).delete(LICENSES_PATH)],
      ['PUT', await request(t.http).put(`${LICENSES_PATH}/${id}`)],
      ['GET', await request(t.http).get(`${LICENSES_PATH}/${id}/suspend`)],
    ];
    const statuses = new Set(answers.map(([, res]) => res.status));
    expect([...statuses].sort()).toEqual([200, 201, 400, 401, 404, 405, 409]);
    for (const [method, res] of answers) {
      expectConforms(document, method, res);
    }
  });

  it('should answer 405 with Allow on every route family, admin included', async () => {
    const cases: Array<[string, string, string]> = [
      ['delete', CALLBACK_PATH, 'GET, HEAD, POST'],
      ['put', `${CALLBACK_PATH}/stats`, 'GET, HEAD'],
      ['delete', LICENSES_PATH, 'GET, HEAD, POST'],
      ['delete', `${LICENSES_PATH}/00000000-0000-4000-8000-000000000000`, 'GET, HEAD, PATCH'],
      ['get', `${LICENSES_PATH}/00000000-0000-4000-8000-000000000000/rotate`, 'POST'],
      ['post', '/health/live', 'GET, HEAD'],
      ['delete', '/metrics', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await request(t.http)[method as 'get'](path);
      expect({ path, status: res.status, allow: res.headers.allow }).toEqual({ path, status: 405, allow });
      expectConforms(document, method, res);
    }
    const unknown = await request(t.http).get('/api/admin/v1/nothing').expect(404);
    expect(unknown.body.message).toBe('No route GET /api/admin/v1/nothing.');
  });

  it('should document the answers of the operations routes', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics']) {
      expectConforms(document, 'GET', await request(t.http).get(path).expect(200));
    }
  });

  it('should link the contract in our words, and serve it', async () => {
    expect(document.info.description).toContain('[/docs/contract.md](/docs/contract.md)');
    const res = await request(t.http).get('/docs/contract.md').expect(200);
    expect(res.type).toBe('text/markdown');
    expect(res.text).toContain('Idempotent-Replayed');
  });

  it('should give each reader of /docs a requestId of their own, and list 201 first', async () => {
    const requestIdOf = async () => {
      const init = (await request(t.http).get('/docs/swagger-ui-init.js').expect(200)).text;
      expect(init).toContain('createdFirstPlugin');
      return /"requestId": "(try-[0-9a-f]{8})"/.exec(init)?.[1];
    };
    const first = await requestIdOf();
    expect(first).toMatch(/^try-/);
    expect(await requestIdOf()).not.toBe(first);
  });
});

describe('the published contract when the admin API is off', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_API_KEY: undefined } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should list no admin route, say that the admin API is off, and still lint clean', async () => {
    const document = (await request(t.http).get('/docs-json').expect(200)).body as OpenApi;
    expect(Object.keys(document.paths).filter((path) => path.startsWith('/api/admin'))).toEqual([]);
    expect(Object.keys(document.components.schemas)).not.toContain('CreateLicenseDto');
    expect(Object.keys(document.components.securitySchemes)).toEqual(['API-KEY']);
    expect(document.info.description).toContain('The admin API is off on this instance');
    expect(await lint(document)).toEqual([]);
  });
});
