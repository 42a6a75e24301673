import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ApiError, LicenseService, SmsCallbackService, SmsCallbackStoredEvent } from 'sms-callback-service';
import {
  createSmsCallbackClient,
  smsCallbackControllerCreate,
  smsCallbackControllerList,
} from 'sms-callback-service/client';
import { HostModule, StoredCallbacks } from '../src/host.module';

const DATABASE_URL = process.env.DATABASE_URL;
if (!DATABASE_URL) {
  throw new Error('DATABASE_URL must name a PostgreSQL database for the consumer e2e');
}
const VENDOR_PATH = '/api/vendor/v1/sms/callback';

const callback = (overrides: Record<string, unknown> = {}) => ({
  msisdn: '0912345678',
  requestId: `req-${randomUUID()}`,
  sendTime: '2025-05-01 17:15:30',
  responseTimeTelco: '2025-05-01 17:15:32',
  status: 0,
  referentId: 'msg-1',
  retryCount: 0,
  ...overrides,
});

interface Host {
  app: INestApplication;
  url: string;
  licenses: LicenseService;
  callbacks: SmsCallbackService;
  stored: StoredCallbacks;
}

/** The host as its team starts it: plain `NestFactory.create` defaults (Nest's own body parser, no globals). */
async function startHost(routes: boolean): Promise<Host> {
  const app = await NestFactory.create(HostModule.with({ databaseUrl: DATABASE_URL!, routes }), { logger: false });
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: (await app.getUrl()).replace('[::1]', '127.0.0.1'),
    licenses: app.get(LicenseService),
    callbacks: app.get(SmsCallbackService),
    stored: app.get(StoredCallbacks),
  };
}

async function post(
  url: string,
  apiKey: string,
  body: string,
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'API-KEY': apiKey, 'Content-Type': 'application/json' },
    body,
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

describe('routes: false (the services only)', () => {
  let host: Host;
  before(async () => {
    host = await startHost(false);
  });
  after(async () => {
    await host.app.close();
  });

  it('issues a license, stores, replays, lists, gets, and announces the new callback once', async () => {
    const enterpriseId = `ent-${randomUUID()}`;
    const issued = await host.licenses.issue({ enterpriseId, label: 'consumer e2e' });
    assert.match(issued.id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof issued.apiKey, 'string');
    const context = { enterpriseId, licenseId: issued.id };
    const body = callback();

    const first = await host.callbacks.store(context, body);
    assert.equal(first.replayed, false);
    assert.equal(first.callback.msisdnNormalized, '84912345678');
    assert.equal(first.callback.sendTimeUtc, '2025-05-01T10:15:30.000Z');
    assert.match(first.callback.receivedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const again = await host.callbacks.store(context, body, JSON.stringify(body));
    assert.equal(again.replayed, true);
    assert.equal(again.callback.id, first.callback.id);

    const page = await host.callbacks.list(enterpriseId);
    assert.equal(page.total, 1);
    assert.deepEqual(
      page.items.map((item) => item.id),
      [first.callback.id],
    );
    const filtered = await host.callbacks.list(enterpriseId, { page: 1, limit: 5, requestId: body.requestId });
    assert.equal(filtered.items.length, 1);

    assert.deepEqual(await host.callbacks.get(enterpriseId, first.callback.id), first.callback);

    const events = host.stored.events.filter((event) => event.enterpriseId === enterpriseId);
    assert.equal(events.length, 1);
    assert.ok(events[0] instanceof SmsCallbackStoredEvent);
    assert.equal(events[0]!.licenseId, issued.id);
    assert.equal(events[0]!.callback.id, first.callback.id);
  });

  it('refuses a bad callback with an ApiError naming the fields', async () => {
    const context = { enterpriseId: `ent-${randomUUID()}`, licenseId: randomUUID() };
    await assert.rejects(host.callbacks.store(context, callback({ sendTime: 'yesterday', retryCount: -1 })), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.getStatus(), 400);
      assert.deepEqual(Object.keys(err.errors ?? {}).sort(), ['retryCount', 'sendTime']);
      return true;
    });
  });

  it('mounts no vendor route', async () => {
    const { apiKey } = await host.licenses.issue({ enterpriseId: `ent-${randomUUID()}` });
    const res = await post(`${host.url}${VENDOR_PATH}`, apiKey, JSON.stringify(callback()));
    assert.equal(res.status, 404);
    assert.equal(res.json.code, undefined, "the host's own 404, not the envelope");
  });
});

describe('routes: true (the vendor routes, in a plain host)', () => {
  let host: Host;
  let apiKey: string;
  before(async () => {
    host = await startHost(true);
    apiKey = (await host.licenses.issue({ enterpriseId: `ent-${randomUUID()}` })).apiKey;
  });
  after(async () => {
    await host.app.close();
  });

  it('answers the vendor POST 201 in the envelope, then 200 with Idempotent-Replayed', async () => {
    const body = JSON.stringify(callback());
    const created = await post(`${host.url}${VENDOR_PATH}`, apiKey, body);
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.json).sort(), [
      'code',
      'current_page',
      'data',
      'errors',
      'message',
      'total_record',
    ]);
    assert.equal(created.json.code, 201);
    assert.equal(created.json.data.msisdnNormalized, '84912345678');

    const replay = await post(`${host.url}${VENDOR_PATH}`, apiKey, body);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    assert.equal(replay.json.data.id, created.json.data.id);

    const got = await fetch(`${host.url}${VENDOR_PATH}/${created.json.data.id}`, { headers: { 'API-KEY': apiKey } });
    assert.equal(got.status, 200);
    assert.equal(((await got.json()) as { data: { id: string } }).data.id, created.json.data.id);
  });

  it('answers a malformed JSON body, a bad field and a wrong key in the envelope', async () => {
    const malformed = await post(`${host.url}${VENDOR_PATH}`, apiKey, '{"msisdn": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.json.code, 400);
    assert.equal(malformed.json.data, null);

    const invalid = await post(`${host.url}${VENDOR_PATH}`, apiKey, JSON.stringify(callback({ status: 'x' })));
    assert.equal(invalid.status, 400);
    assert.ok(invalid.json.errors.status);

    const unknownKey = await post(`${host.url}${VENDOR_PATH}`, 'not-a-key', JSON.stringify(callback()));
    assert.equal(unknownKey.status, 401);
    assert.equal(unknownKey.json.code, 401);
  });

  it('answers the batch route in the envelope: each item in its place, a body that is not an array 400', async () => {
    const good = JSON.stringify(callback({ requestId: `req-${randomUUID()}` }));
    const batch = await post(`${host.url}${VENDOR_PATH}/batch`, apiKey, `[${good}, ${good}, {"status": "x"}, 7]`);
    assert.equal(batch.status, 200);
    assert.equal(batch.json.code, 200);
    assert.equal(batch.json.total_record, 4);
    assert.deepEqual(
      batch.json.data.map((item: { index: number; code: number }) => [item.index, item.code]),
      [
        [0, 201],
        [1, 200],
        [2, 400],
        [3, 400],
      ],
    );
    assert.equal(batch.json.data[1].data.id, batch.json.data[0].data.id);

    const notArray = await post(`${host.url}${VENDOR_PATH}/batch`, apiKey, good);
    assert.equal(notArray.status, 400);
    assert.equal(notArray.json.code, 400);
    assert.equal(notArray.json.data, null);
  });

  it('serves the typed client (sms-callback-service/client) generated from the OpenAPI document', async () => {
    const client = createSmsCallbackClient({ baseUrl: host.url, apiKey });
    const body = {
      msisdn: '+84 912 345 678',
      requestId: `req-${randomUUID()}`,
      sendTime: '2025-05-01T10:15:30Z',
      status: 0,
      referentId: 'msg-2',
      retryCount: 1,
    };
    const created = await smsCallbackControllerCreate({ client, body });
    assert.equal(created.response.status, 201);
    assert.equal(created.data?.data?.requestId, body.requestId);
    const listed = await smsCallbackControllerList({ client, query: { requestId: body.requestId } });
    assert.equal(listed.response.status, 200);
    assert.equal(listed.data?.total_record, 1);
  });

  it("leaves the host's own routes as the host made them", async () => {
    const res = await fetch(`${host.url}/host/ping`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { pong: true });

    const me = await fetch(`${host.url}/host/me`, { headers: { 'API-KEY': apiKey } });
    assert.equal(me.status, 200);
    const license = (await me.json()) as { enterpriseId: string; licenseId: string };
    assert.equal(typeof license.enterpriseId, 'string');

    const malformed = await fetch(`${host.url}/host/ping`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"x": ',
    });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { code?: number }).code, undefined, "the host's own error shape");
  });
});
