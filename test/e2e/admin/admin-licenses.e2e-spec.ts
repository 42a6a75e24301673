import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { hashApiKey } from '../../../src/license/api-key';
import type { IssuedLicenseDto } from '../../../src/license/dto/license.dto';
import type { LicenseEventDto } from '../../../src/license/dto/license-event.dto';
import { ADMIN_ENV, ADMIN_KEY_ID, adminApi, LICENSES_PATH, sendCallback, sleep } from '../../support/admin-api';
import { createTestApp, TestApp } from '../../support/test-app';

describe('admin API of licenses', () => {
  let t: TestApp;
  let admin: ReturnType<typeof adminApi>;
  const actor = `admin-api:${ADMIN_KEY_ID}`;

  beforeAll(async () => {
    t = await createTestApp({ env: ADMIN_ENV });
    admin = adminApi(t.http);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (body: Record<string, unknown> = {}) => {
    const res = await admin.post('', { enterpriseId: `ent-${randomUUID()}`, ...body }).expect(201);
    return res.body.data as IssuedLicenseDto;
  };
  const events = async (id: string) =>
    (await admin.get(`/${id}/events?limit=100`).expect(200)).body.data as LicenseEventDto[];

  describe('authentication', () => {
    it('should answer 401 in the envelope when the ADMIN-API-KEY header is missing', async () => {
      const res = await request(t.http).get(LICENSES_PATH).expect(401);
      expect(res.body).toEqual({
        code: 401,
        data: null,
        message: 'The ADMIN-API-KEY header is required.',
        errors: { 'ADMIN-API-KEY': { isNotEmpty: 'The ADMIN-API-KEY header is required.' } },
        total_record: 0,
        current_page: 0,
      });
    });

    it('should answer 401 for a wrong admin key', async () => {
      const res = await request(t.http).get(LICENSES_PATH).set('ADMIN-API-KEY', 'not-the-admin-key').expect(401);
      expect(res.body).toMatchObject({ code: 401, errors: { 'ADMIN-API-KEY': { isValid: expect.any(String) } } });
    });

    it('should not take a license API-KEY as an admin key', async () => {
      const { apiKey } = await t.issueKey();
      await request(t.http).get(LICENSES_PATH).set('ADMIN-API-KEY', apiKey).expect(401);
      await request(t.http).get(LICENSES_PATH).set('API-KEY', apiKey).expect(401);
    });
  });

  describe('create', () => {
    it('should answer 201 with the key, once, that works at once against the callback API', async () => {
      const res = await admin
        .post('', {
          enterpriseId: 'ent-create',
          label: 'gateway A',
          validFrom: '2025-01-01T00:00:00Z',
          expiresAt: '2099-01-01T00:00:00Z',
          rateLimitPerSecond: 50,
          allowedIps: ['127.0.0.1', '::1', '10.0.0.0/8'],
        })
        .expect(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const license = res.body.data;
      expect(res.body).toMatchObject({ code: 201, message: 'Created', total_record: 1, current_page: 1 });
      expect(license).toMatchObject({
        enterpriseId: 'ent-create',
        label: 'gateway A',
        status: 'active',
        state: 'active',
        validFrom: '2025-01-01T00:00:00.000Z',
        expiresAt: '2099-01-01T00:00:00.000Z',
        rateLimitPerSecond: 50,
        effectiveRateLimitPerSecond: 50,
        allowedIps: ['127.0.0.1', '::1', '10.0.0.0/8'],
        rotatedFromId: null,
        lastUsedAt: null,
      });
      expect(license.apiKey).toMatch(/^smscb_[A-Za-z0-9_-]{43}$/);
      expect(license.apiKey.startsWith(license.keyPrefix)).toBe(true);
      await sendCallback(t.http, license.apiKey).expect(201);

      const shown = await admin.get(`/${license.id}`).expect(200);
      expect(shown.body.data.id).toBe(license.id);
      const everything = JSON.stringify([shown.body, (await admin.get('?enterpriseId=ent-create')).body]);
      expect(everything).not.toContain(license.apiKey);
      expect(everything).not.toContain(hashApiKey(license.apiKey));
      expect(everything).not.toMatch(/apiKey|hash/i);
    });

    it('should default to now, no expiry, the default rate limit (none: a capacity decision) and any address', async () => {
      const before = Date.now();
      const license = await create();
      expect(license).toMatchObject({
        label: null,
        expiresAt: null,
        rateLimitPerSecond: null,
        effectiveRateLimitPerSecond: null,
        allowedIps: [],
      });
      expect(new Date(license.validFrom).getTime()).toBeGreaterThanOrEqual(before - 1000);
    });

    it.each([
      [{}, 'enterpriseId'],
      [{ enterpriseId: '   ' }, 'enterpriseId'],
      [{ enterpriseId: 'e'.repeat(65) }, 'enterpriseId'],
      [{ enterpriseId: 'e', allowedIps: ['10.0.0.0/33'] }, 'allowedIps'],
      [{ enterpriseId: 'e', allowedIps: ['example.com'] }, 'allowedIps'],
      [{ enterpriseId: 'e', allowedIps: '10.0.0.1' }, 'allowedIps'],
      [{ enterpriseId: 'e', rateLimitPerSecond: 0 }, 'rateLimitPerSecond'],
      [{ enterpriseId: 'e', rateLimitPerSecond: 1.5 }, 'rateLimitPerSecond'],
      [{ enterpriseId: 'e', expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ enterpriseId: 'e', validFrom: '2030-01-01T00:00:00Z', expiresAt: '2029-01-01T00:00:00Z' }, 'expiresAt'],
    ])('should answer 400 for %j, naming %s', async (body, field) => {
      const res = await admin.post('', body).expect(400);
      expect(res.body).toMatchObject({ code: 400, data: null });
      expect(Object.keys(res.body.errors)).toContain(field);
    });
  });

  describe('read', () => {
    it('should list a page of licenses filtered by enterprise, status and expiry, newest first', async () => {
      const enterpriseId = `ent-list-${randomUUID()}`;
      const soon = new Date(Date.now() + 3_600_000).toISOString();
      const a = await create({ enterpriseId, expiresAt: soon });
      const b = await create({ enterpriseId });
      const c = await create({ enterpriseId });
      await admin.post(`/${c.id}/suspend`).expect(200);

      const all = await admin.get(`?enterpriseId=${enterpriseId}&limit=2`).expect(200);
      expect(all.body).toMatchObject({ code: 200, total_record: 3, current_page: 1 });
      expect(all.body.data.map((l: { id: string }) => l.id)).toEqual([c.id, b.id]);
      const page2 = await admin.get(`?enterpriseId=${enterpriseId}&limit=2&page=2`).expect(200);
      expect(page2.body).toMatchObject({ total_record: 3, current_page: 2 });
      expect(page2.body.data.map((l: { id: string }) => l.id)).toEqual([a.id]);

      const suspended = await admin.get(`?enterpriseId=${enterpriseId}&status=suspended`).expect(200);
      expect(suspended.body.data.map((l: { id: string }) => l.id)).toEqual([c.id]);
      const expiring = await admin
        .get(
          `?enterpriseId=${enterpriseId}&expiringBefore=${encodeURIComponent(new Date(Date.now() + 7_200_000).toISOString())}`,
        )
        .expect(200);
      expect(expiring.body.data.map((l: { id: string }) => l.id)).toEqual([a.id]);
    });

    it.each([['?status=deleted'], ['?limit=101'], ['?page=0'], ['?expiringBefore=soon']])(
      'should answer 400 for the list query %s',
      async (query) => {
        const res = await admin.get(query).expect(400);
        expect(res.body.code).toBe(400);
      },
    );

    it('should answer 404 for a license that does not exist and 400 for an id that is not a UUID', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      const res = await admin.get(`/${missing}`).expect(404);
      expect(res.body).toMatchObject({ code: 404, message: `No license ${missing}.` });
      await admin.post(`/${missing}/suspend`).expect(404);
      await admin.get(`/${missing}/events`).expect(404);
      await admin.get('/not-a-uuid').expect(400);
    });

    it('should show when a license was last used', async () => {
      const license = await create();
      await sendCallback(t.http, license.apiKey).expect(201);
      await sleep(200);
      const res = await admin.get(`/${license.id}`).expect(200);
      expect(res.body.data.lastUsedAt).not.toBeNull();
    });
  });

  describe('lifecycle and its effect on the API-KEY guard', () => {
    it('should go active -> suspended -> active -> revoked, refusing and accepting the key at once', async () => {
      const license = await create();
      await sendCallback(t.http, license.apiKey).expect(201);

      const suspended = await admin.post(`/${license.id}/suspend`).expect(200);
      expect(suspended.body.data).toMatchObject({ status: 'suspended', state: 'suspended' });
      const refused = await sendCallback(t.http, license.apiKey).expect(403);
      expect(refused.body.message).toMatch(/suspended/);

      const resumed = await admin.post(`/${license.id}/resume`).expect(200);
      expect(resumed.body.data).toMatchObject({ status: 'active', state: 'active' });
      await sendCallback(t.http, license.apiKey).expect(201);

      const revoked = await admin.post(`/${license.id}/revoke`).expect(200);
      expect(revoked.body.data).toMatchObject({ status: 'revoked', state: 'revoked' });
      expect((await sendCallback(t.http, license.apiKey).expect(403)).body.message).toMatch(/revoked/);
    });

    it('should keep a revoked license revoked: 409 on resume, suspend, change and rotate', async () => {
      const license = await create();
      await admin.post(`/${license.id}/revoke`).expect(200);
      const res = await admin.post(`/${license.id}/resume`).expect(409);
      expect(res.body).toMatchObject({
        code: 409,
        data: null,
        errors: { status: { isNotRevoked: expect.any(String) } },
      });
      await admin.post(`/${license.id}/suspend`).expect(409);
      await admin.patch(`/${license.id}`, { label: 'again' }).expect(409);
      await admin.post(`/${license.id}/rotate`).expect(409);
      await admin.post(`/${license.id}/revoke`).expect(200);
      expect((await admin.get(`/${license.id}`)).body.data.status).toBe('revoked');
      await sendCallback(t.http, license.apiKey).expect(403);
    });

    it('should refuse the key once its expiry passes, even while it is cached', async () => {
      const license = await create({ expiresAt: new Date(Date.now() + 1_500).toISOString() });
      await sendCallback(t.http, license.apiKey).expect(201);
      await sleep(1_600);
      expect((await sendCallback(t.http, license.apiKey).expect(403)).body.message).toMatch(/expired/);
      expect((await admin.get(`/${license.id}`)).body.data.state).toBe('expired');
    });

    it('should accept the key once its validity starts', async () => {
      const license = await create({ validFrom: new Date(Date.now() + 1_000).toISOString() });
      expect((await sendCallback(t.http, license.apiKey).expect(403)).body.message).toMatch(/not valid before/);
      expect((await admin.get(`/${license.id}`)).body.data.state).toBe('not_yet_valid');
      await sleep(1_100);
      await sendCallback(t.http, license.apiKey).expect(201);
    });

    it('should change the label, dates, rate limit and allowed addresses, and clear them with null', async () => {
      const license = await create({ label: 'old' });
      const changed = await admin
        .patch(`/${license.id}`, {
          label: 'new',
          expiresAt: '2098-01-01T00:00:00Z',
          rateLimitPerSecond: 7,
          allowedIps: ['192.0.2.0/24'],
        })
        .expect(200);
      expect(changed.body.data).toMatchObject({
        label: 'new',
        expiresAt: '2098-01-01T00:00:00.000Z',
        rateLimitPerSecond: 7,
        effectiveRateLimitPerSecond: 7,
        allowedIps: ['192.0.2.0/24'],
      });
      const cleared = await admin
        .patch(`/${license.id}`, { label: null, expiresAt: null, rateLimitPerSecond: null, allowedIps: null })
        .expect(200);
      expect(cleared.body.data).toMatchObject({
        label: null,
        expiresAt: null,
        rateLimitPerSecond: null,
        allowedIps: [],
      });
    });

    it.each([
      [{ validFrom: null }, 'validFrom'],
      [{ expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt'],
      [{ rateLimitPerSecond: -1 }, 'rateLimitPerSecond'],
      [{ allowedIps: ['300.1.1.1'] }, 'allowedIps'],
    ])('should answer 400 for the change %j', async (body, field) => {
      const license = await create();
      const res = await admin.patch(`/${license.id}`, body).expect(400);
      expect(Object.keys(res.body.errors)).toContain(field);
    });
  });

  describe('rotation', () => {
    it('should issue a new key with the same enterprise and settings, both keys working inside the overlap, only the new one after it', async () => {
      const old = await create({ label: 'rotating', rateLimitPerSecond: 40, allowedIps: ['127.0.0.1', '::1'] });
      await sendCallback(t.http, old.apiKey).expect(201);
      const before = Date.now();
      const res = await admin.post(`/${old.id}/rotate?overlapSeconds=2`).expect(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const rotated = res.body.data;
      expect(rotated).toMatchObject({
        enterpriseId: old.enterpriseId,
        label: 'rotating',
        rateLimitPerSecond: 40,
        allowedIps: ['127.0.0.1', '::1'],
        status: 'active',
        rotatedFromId: old.id,
        expiresAt: null,
      });
      expect(rotated.id).not.toBe(old.id);
      expect(rotated.apiKey).not.toBe(old.apiKey);
      expect(rotated.previous).toMatchObject({ id: old.id, status: 'active' });
      const oldEnd = new Date(rotated.previous.expiresAt).getTime();
      expect(oldEnd).toBeGreaterThanOrEqual(before + 2_000 - 50);
      expect(oldEnd).toBeLessThanOrEqual(Date.now() + 2_000 + 50);

      await sendCallback(t.http, old.apiKey).expect(201);
      await sendCallback(t.http, rotated.apiKey).expect(201);
      await sleep(Math.max(0, oldEnd - Date.now()) + 50);
      expect((await sendCallback(t.http, old.apiKey).expect(403)).body.message).toMatch(/expired/);
      await sendCallback(t.http, rotated.apiKey).expect(201);
    });

    it('should stop the old key at once with an overlap of 0', async () => {
      const old = await create();
      await sendCallback(t.http, old.apiKey).expect(201);
      const rotated = (await admin.post(`/${old.id}/rotate?overlapSeconds=0`).expect(201)).body.data;
      await sendCallback(t.http, old.apiKey).expect(403);
      await sendCallback(t.http, rotated.apiKey).expect(201);
    });

    it('should overlap 24 hours by default, and never extend an expiry that comes sooner', async () => {
      const old = await create();
      const rotated = (await admin.post(`/${old.id}/rotate`).expect(201)).body.data;
      const end = new Date(rotated.previous.expiresAt).getTime();
      expect(Math.abs(end - (Date.now() + 86_400_000))).toBeLessThan(10_000);

      const soon = new Date(Date.now() + 60_000).toISOString();
      const shortLived = await create({ expiresAt: soon });
      const rotatedShort = (await admin.post(`/${shortLived.id}/rotate?overlapSeconds=3600`).expect(201)).body.data;
      expect(rotatedShort.previous.expiresAt).toBe(new Date(soon).toISOString());
      expect(rotatedShort.expiresAt).toBe(new Date(soon).toISOString());
    });

    it('should refuse to rotate a suspended license (409) and a bad overlap (400)', async () => {
      const license = await create();
      await admin.post(`/${license.id}/rotate?overlapSeconds=-1`).expect(400);
      await admin.post(`/${license.id}/rotate?overlapSeconds=2592001`).expect(400);
      await admin.post(`/${license.id}/suspend`).expect(200);
      const res = await admin.post(`/${license.id}/rotate`).expect(409);
      expect(res.body.errors.status).toHaveProperty('isRotatable');
    });
  });

  describe('audit trail', () => {
    it('should write one row per change with what changed, before and after, when and by which admin credential', async () => {
      const license = await create({ label: 'audited' });
      await admin.patch(`/${license.id}`, { label: 'renamed', rateLimitPerSecond: 9 }).expect(200);
      await admin.post(`/${license.id}/suspend`).expect(200);
      await admin.post(`/${license.id}/suspend`).expect(200); // no change: no row
      await admin.post(`/${license.id}/resume`).expect(200);
      const rotated = (await admin.post(`/${license.id}/rotate?overlapSeconds=60`).expect(201)).body.data;
      await admin.post(`/${license.id}/revoke`).expect(200);

      const trail = (await events(license.id)).reverse();
      expect(trail.map((e) => e.action)).toEqual(['created', 'updated', 'suspended', 'resumed', 'rotated', 'revoked']);
      expect(trail.every((e) => e.actor === actor && e.licenseId === license.id)).toBe(true);
      expect(trail[0].changes).toMatchObject({
        enterpriseId: { before: null, after: license.enterpriseId },
        label: { before: null, after: 'audited' },
        status: { before: null, after: 'active' },
        keyPrefix: { before: null, after: license.keyPrefix },
      });
      expect(trail[1].changes).toEqual({
        label: { before: 'audited', after: 'renamed' },
        rateLimitPerSecond: { before: null, after: 9 },
      });
      expect(trail[2].changes).toEqual({ status: { before: 'active', after: 'suspended' } });
      expect(trail[3].changes).toEqual({ status: { before: 'suspended', after: 'active' } });
      expect(trail[4].changes).toEqual({
        rotatedTo: { before: null, after: rotated.id },
        expiresAt: { before: null, after: rotated.previous.expiresAt },
      });
      expect(trail[5].changes).toEqual({ status: { before: 'active', after: 'revoked' } });
      for (let i = 1; i < trail.length; i++) {
        expect(new Date(trail[i].occurredAt).getTime()).toBeGreaterThanOrEqual(
          new Date(trail[i - 1].occurredAt).getTime(),
        );
      }

      const created = await events(rotated.id);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({
        action: 'created',
        actor,
        changes: { rotatedFromId: { before: null, after: license.id } },
      });
    });

    it('should never hold a key or a key hash', async () => {
      const license = await create();
      const rotated = (await admin.post(`/${license.id}/rotate`).expect(201)).body.data;
      const rows = await t.dataSource.query<Array<Record<string, unknown>>>(
        'SELECT * FROM license_events WHERE license_id = ANY($1)',
        [[license.id, rotated.id]],
      );
      expect(rows).toHaveLength(3);
      const stored = JSON.stringify(rows);
      for (const key of [license.apiKey, rotated.apiKey]) {
        expect(stored).not.toContain(key);
        expect(stored).not.toContain(hashApiKey(key));
      }
      expect(stored).not.toMatch(/hash/i);
    });

    it('should page the events, newest first', async () => {
      const license = await create();
      for (const label of ['a', 'b', 'c']) {
        await admin.patch(`/${license.id}`, { label }).expect(200);
      }
      const res = await admin.get(`/${license.id}/events?limit=2&page=1`).expect(200);
      expect(res.body).toMatchObject({ total_record: 4, current_page: 1 });
      expect(res.body.data.map((e: { changes: { label: { after: string } } }) => e.changes.label.after)).toEqual([
        'c',
        'b',
      ]);
    });
  });

  describe('allowed addresses', () => {
    it('should refuse the key with 403 from an address off the allow-list, and accept it from one on it', async () => {
      const elsewhere = await create({ allowedIps: ['203.0.113.0/24'] });
      const res = await sendCallback(t.http, elsewhere.apiKey).expect(403);
      expect(res.body.errors['API-KEY']).toHaveProperty('isAllowedAddress');
      expect(res.body.message).toMatch(/may not be used from 127\.0\.0\.1|may not be used from ::1/);

      const here = await create({ allowedIps: ['127.0.0.0/8', '::1'] });
      await sendCallback(t.http, here.apiKey).expect(201);
    });

    it('should apply a changed allow-list at once', async () => {
      const license = await create();
      await sendCallback(t.http, license.apiKey).expect(201);
      await admin.patch(`/${license.id}`, { allowedIps: ['198.51.100.7'] }).expect(200);
      await sendCallback(t.http, license.apiKey).expect(403);
      await admin.patch(`/${license.id}`, { allowedIps: [] }).expect(200);
      await sendCallback(t.http, license.apiKey).expect(201);
    });

    it('should ignore X-Forwarded-For when TRUST_PROXY is off', async () => {
      const license = await create({ allowedIps: ['203.0.113.0/24'] });
      await sendCallback(t.http, license.apiKey).set('X-Forwarded-For', '203.0.113.9').expect(403);
    });
  });
});

describe('admin API behind a trusted proxy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { ...ADMIN_ENV, TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('should take the client address from X-Forwarded-For when TRUST_PROXY trusts the proxy', async () => {
    const { apiKey } = await t.issueKey({ allowedIps: ['203.0.113.0/24'] });
    await sendCallback(t.http, apiKey).set('X-Forwarded-For', '203.0.113.9').expect(201);
    await sendCallback(t.http, apiKey).set('X-Forwarded-For', '198.51.100.1').expect(403);
    await sendCallback(t.http, apiKey).expect(403);
  });
});
