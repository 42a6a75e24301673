import request from 'supertest';
import { hashApiKey } from '../../../src/license/api-key';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

describe('API-KEY guard', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const hour = 3_600_000;
  const setStatus = (id: string, status: string) =>
    t.dataSource.query('UPDATE licenses SET status = $2 WHERE id = $1', [id, status]);

  it('should answer 401 in the envelope when the API-KEY header is missing', async () => {
    const res = await request(t.http).post(CALLBACK_PATH).send(aCallback()).expect(401);
    expect(res.body).toEqual({
      code: 401,
      data: null,
      message: 'The API-KEY header is required.',
      errors: { 'API-KEY': { isNotEmpty: 'The API-KEY header is required.' } },
      total_record: 0,
      current_page: 0,
    });
  });

  it.each([
    ['an unknown key', 'smscb_doesnotexist0000000000000000000000000'],
    ['an empty key', ''],
    ['a very long key', 'k'.repeat(4096)],
  ])('should answer 401 for %s', async (_case, apiKey) => {
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback());
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(401);
    expect(res.body.errors).toHaveProperty('API-KEY');
  });

  it('should read the header case-insensitively, as HTTP says', async () => {
    const { apiKey } = await t.issueKey();
    await request(t.http).post(CALLBACK_PATH).set('api-key', apiKey).send(aCallback()).expect(201);
  });

  it('should refuse a key that differs from a real one by one character', async () => {
    const { apiKey } = await t.issueKey();
    const flipped = apiKey.slice(0, -1) + (apiKey.endsWith('A') ? 'B' : 'A');
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', flipped).send(aCallback()).expect(401);
  });

  it('should answer 403 saying so for a suspended license', async () => {
    const { apiKey, licenseId } = await t.issueKey();
    await setStatus(licenseId, 'suspended');
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(403);
    expect(res.body).toMatchObject({ code: 403, data: null, errors: { 'API-KEY': { isActive: expect.any(String) } } });
    expect(res.body.message).toMatch(/suspended/);
  });

  it('should answer 403 saying so for a revoked license', async () => {
    const { apiKey, licenseId } = await t.issueKey();
    await t.licenses.revoke(licenseId);
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(403);
    expect(res.body.message).toMatch(/revoked/);
  });

  it('should answer 403 saying so for an expired license', async () => {
    const { apiKey, licenseId } = await t.issueKey({
      validFrom: new Date(Date.now() - 2 * hour),
      expiresAt: new Date(Date.now() + hour),
    });
    await t.dataSource.query(`UPDATE licenses SET expires_at = now() - interval '1 minute' WHERE id = $1`, [licenseId]);
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(403);
    expect(res.body.message).toMatch(/expired/);
  });

  it('should answer 403 saying so for a license that is not valid yet', async () => {
    const { apiKey } = await t.issueKey({ validFrom: new Date(Date.now() + hour) });
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(403);
    expect(res.body.message).toMatch(/not valid before/);
  });

  it('should let a license with a future expiry through', async () => {
    const { apiKey } = await t.issueKey({ expiresAt: new Date(Date.now() + hour) });
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
  });

  it('should store the callback under the license and enterprise of the key', async () => {
    const { apiKey, licenseId, enterpriseId } = await t.issueKey();
    const res = await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    const [row] = await t.dataSource.query<Array<{ license_id: string; enterprise_id: string }>>(
      'SELECT license_id, enterprise_id FROM sms_callbacks WHERE id = $1',
      [res.body.data.id],
    );
    expect(row).toEqual({ license_id: licenseId, enterprise_id: enterpriseId });
  });

  it('should record when a license was last used', async () => {
    const { apiKey, licenseId } = await t.issueKey();
    const before = Date.now();
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', apiKey).send(aCallback()).expect(201);
    // The write is off the request's path: wait for it.
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      const [row] = await t.dataSource.query<Array<{ last_used_at: Date | null }>>(
        'SELECT last_used_at FROM licenses WHERE id = $1',
        [licenseId],
      );
      lastUsed = row.last_used_at;
      if (!lastUsed) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(lastUsed).not.toBeNull();
    expect(lastUsed!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('should keep only the hash of a key, never the key', async () => {
    const { apiKey, licenseId } = await t.issueKey();
    const [row] = await t.dataSource.query<Array<Record<string, unknown>>>('SELECT * FROM licenses WHERE id = $1', [
      licenseId,
    ]);
    expect(row.key_hash).toBe(hashApiKey(apiKey));
    expect(JSON.stringify(row)).not.toContain(apiKey);
    expect(apiKey.startsWith(row.key_prefix as string)).toBe(true);
  });
});
