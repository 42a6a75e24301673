import { Controller, Get } from '@nestjs/common';
import request from 'supertest';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

@Controller('test-only')
class FailingController {
  @Get('boom')
  boom(): never {
    throw new Error('secret internal detail: SELECT * FROM licenses');
  }
}

describe('HTTP behaviour shared by every route', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ controllers: [FailingController] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should answer 404 in the envelope for an unknown route', async () => {
    const res = await request(t.http).get('/api/vendor/v1/sms/nothing').expect(404);
    expect(res.body).toEqual({
      code: 404,
      data: null,
      message: 'No route GET /api/vendor/v1/sms/nothing.',
      errors: null,
      total_record: 0,
      current_page: 0,
    });
  });

  it('should answer 404 for an unknown route even with a JSON body', async () => {
    const res = await request(t.http).post('/api/vendor/v2/sms/callback').send(aCallback()).expect(404);
    expect(res.body.code).toBe(404);
  });

  it.each([
    ['DELETE', CALLBACK_PATH, 'GET, HEAD, POST'],
    ['PUT', CALLBACK_PATH, 'GET, HEAD, POST'],
    ['PATCH', CALLBACK_PATH, 'GET, HEAD, POST'],
    ['POST', `${CALLBACK_PATH}/00000000-0000-4000-8000-000000000000`, 'GET, HEAD'],
    ['DELETE', `${CALLBACK_PATH}/00000000-0000-4000-8000-000000000000`, 'GET, HEAD'],
  ])('should answer 405 with an Allow header for %s %s', async (method, path, allow) => {
    const res = await request(t.http)[method.toLowerCase() as 'delete'](path).expect(405);
    expect(res.headers.allow).toBe(allow);
    expect(res.body).toMatchObject({ code: 405, data: null, total_record: 0, current_page: 0 });
    expect(res.body.message).toContain(method);
  });

  it('should answer 405 before asking for a key', async () => {
    await request(t.http).delete(CALLBACK_PATH).expect(405);
  });

  it('should answer 500 with an error id and no internal detail for an unexpected error', async () => {
    const res = await request(t.http).get('/test-only/boom').expect(500);
    expect(res.body).toMatchObject({ code: 500, data: null, total_record: 0, current_page: 0 });
    expect(res.body.message).toMatch(/error id [0-9a-f-]{36}/);
    expect(res.body.errors.server.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(res.body)).not.toMatch(/secret|SELECT|at .*\.ts/);
  });

  it('should answer 400 in the envelope for a malformed percent-encoding in the path', async () => {
    const res = await request(t.http).get(`${CALLBACK_PATH}/%E0%A4%A`);
    expect([400, 404]).toContain(res.status);
    expect(res.body.code).toBe(res.status);
  });

  it('should redirect / to /docs', async () => {
    const res = await request(t.http).get('/').expect(302);
    expect(res.headers.location).toBe('/docs');
    expect(res.body.code).toBe(302);
  });

  it('should serve Swagger UI at /docs', async () => {
    const res = await request(t.http).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger');
  });

  it('should serve the OpenAPI document at /docs-json with the API-KEY scheme', async () => {
    const res = await request(t.http).get('/docs-json').expect(200);
    expect(res.body.components.securitySchemes['API-KEY']).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'API-KEY' }),
    );
    expect(res.body.paths[CALLBACK_PATH].post.security).toEqual([{ 'API-KEY': [] }]);
  });

  it('should not announce the framework', async () => {
    const res = await request(t.http).get('/api/vendor/v1/sms/nothing');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('should keep the migrations in step with the entities', async () => {
    const pending = await t.dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });
});
