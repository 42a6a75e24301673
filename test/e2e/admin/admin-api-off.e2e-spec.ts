import { Logger } from '@nestjs/common';
import request from 'supertest';
import { ADMIN_KEY, LICENSES_PATH } from '../../support/admin-api';
import { createTestApp, TestApp } from '../../support/test-app';

describe('admin API without ADMIN_API_KEY', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ADMIN_API_KEY: undefined } });
  });
  afterAll(async () => {
    await t.close();
  });

  const id = '00000000-0000-4000-8000-000000000000';

  it.each([
    ['GET', LICENSES_PATH],
    ['POST', LICENSES_PATH],
    ['DELETE', LICENSES_PATH],
    ['GET', `${LICENSES_PATH}/${id}`],
    ['PATCH', `${LICENSES_PATH}/${id}`],
    ['POST', `${LICENSES_PATH}/${id}/revoke`],
    ['GET', `${LICENSES_PATH}/${id}/events?page=2`],
  ])('should answer %s %s exactly like an unknown route, even with the admin key', async (method, path) => {
    const verb = method.toLowerCase() as 'get';
    const unknownPath = path.replace('/api/admin/', '/api/nothing/');
    const unknown = await request(t.http)[verb](unknownPath).send({ enterpriseId: 'e' });
    const admin = await request(t.http)[verb](path).set('ADMIN-API-KEY', ADMIN_KEY).send({ enterpriseId: 'e' });
    expect(unknown.status).toBe(404);
    expect(admin.status).toBe(404);
    expect(admin.headers.allow).toBeUndefined();
    expect(admin.body).toEqual({
      ...unknown.body,
      message: unknown.body.message.replace('/api/nothing/', '/api/admin/'),
    });
    expect(admin.body.message).toBe(`No route ${method} ${path.split('?')[0]}.`);
  });

  it('should say at start-up that the admin API is off', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const log = jest.spyOn(Logger.prototype, 'log');
    try {
      const off = await createTestApp({ env: { ADMIN_API_KEY: undefined } });
      await off.close();
      expect(warn.mock.calls.map(([message]) => String(message))).toContainEqual(
        expect.stringMatching(/ADMIN_API_KEY is not set: the admin API .* is off/),
      );
      warn.mockClear();
      const on = await createTestApp({ env: { ADMIN_API_KEY: ADMIN_KEY } });
      await on.close();
      expect(log.mock.calls.map(([message]) => String(message))).toContainEqual(expect.stringMatching(/Admin API on/));
      expect(JSON.stringify([...warn.mock.calls, ...log.mock.calls])).not.toContain(ADMIN_KEY);
    } finally {
      warn.mockRestore();
      log.mockRestore();
    }
  });

  it('should leave the admin API out of the Swagger document, and say there that it is off', async () => {
    const res = await request(t.http).get('/docs-json').expect(200);
    expect(res.body.paths[LICENSES_PATH]).toBeUndefined();
    expect(res.body.info.description).toContain('The admin API is off on this instance');
  });
});
