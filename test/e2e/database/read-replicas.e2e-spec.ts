import request from 'supertest';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/database/data-source.options';
import { aCallback, CALLBACK_PATH } from '../../support/factories';
import { createTestApp, TestApp } from '../../support/test-app';

/**
 * DATABASE_READ_URL: a second database stands in for a replica (TEST_REPLICA_DATABASE_URL, made by the global
 * setup: the same schema, rows of its own), so that where each query went shows in what it answers. The read API must answer from the
 * replica; the writes and the key verification must reach the primary (the replica has no licenses at all).
 */
describe('read replicas (DATABASE_READ_URL)', () => {
  let replica: DataSource;
  let t: TestApp;
  let key: { apiKey: string; licenseId: string; enterpriseId: string };
  let replicaOnlyId: string;

  beforeAll(async () => {
    const replicaUrl = process.env.TEST_REPLICA_DATABASE_URL!;
    replica = await new DataSource(buildDataSourceOptions({ url: replicaUrl, poolSize: 1 })).initialize();
    await replica.runMigrations();

    t = await createTestApp({ env: { DATABASE_READ_URL: replicaUrl } });
    key = await t.issueKey();
    // The replica has one callback of that enterprise that the primary does not (as if replicated earlier).
    await replica.query(
      `INSERT INTO licenses (id, enterprise_id, key_prefix, key_hash) VALUES ($1, $2, 'smscb_r', $3)`,
      [key.licenseId, key.enterpriseId, 'f'.repeat(64)],
    );
    [{ id: replicaOnlyId }] = await replica.query<Array<{ id: string }>>(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, msisdn_normalized, request_id, send_time,
         send_time_at, status, referent_id, retry_count, replay_key, raw_body)
       VALUES ($1, $2, '84900000001', '84900000001', 'on-replica', '2025-05-01 10:00:00', '2025-05-01T03:00:00Z', 0,
         'ref', 0, '\\x00', '{}') RETURNING id`,
      [key.enterpriseId, key.licenseId],
    );
    // The key must not be known to the replica: its verification has to reach the primary.
    await replica.query(`UPDATE licenses SET key_hash = $1`, ['e'.repeat(64)]);
  });
  afterAll(async () => {
    await t?.close();
    await replica?.destroy();
  });

  const countOn = async (db: DataSource, requestId: string) =>
    (
      await db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM sms_callbacks WHERE request_id = $1`, [
        requestId,
      ])
    )[0].n;

  it('should verify the key on the primary and store a callback there, not on the replica', async () => {
    const body = aCallback({ requestId: 'on-primary' });
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(201);
    expect(await countOn(t.dataSource, 'on-primary')).toBe(1);
    expect(await countOn(replica, 'on-primary')).toBe(0);
    // A replay is recognised on the primary too (the replica would not know the original).
    await request(t.http).post(CALLBACK_PATH).set('API-KEY', key.apiKey).send(body).expect(200);
  });

  it('should answer the list from the replica', async () => {
    const res = await request(t.http).get(CALLBACK_PATH).set('API-KEY', key.apiKey).expect(200);
    expect(res.body.total_record).toBe(1);
    expect(res.body.data.map((c: { requestId: string }) => c.requestId)).toEqual(['on-replica']);
  });

  it('should answer one callback from the replica', async () => {
    await request(t.http).get(`${CALLBACK_PATH}/${replicaOnlyId}`).set('API-KEY', key.apiKey).expect(200);
    const [{ id: primaryId }] = await t.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM sms_callbacks WHERE request_id = 'on-primary'`,
    );
    await request(t.http).get(`${CALLBACK_PATH}/${primaryId}`).set('API-KEY', key.apiKey).expect(404);
  });

  it('should compute the statistics on the replica', async () => {
    const res = await request(t.http).get(`${CALLBACK_PATH}/stats`).set('API-KEY', key.apiKey).expect(200);
    expect(res.body.data).toMatchObject({ total: 1, distinctRequestIds: 1 });
  });

  it('should refuse to start with DATABASE_READ_URL but no DATABASE_URL', async () => {
    await expect(
      createTestApp({ env: { DATABASE_URL: undefined, DATABASE_READ_URL: 'postgresql://127.0.0.1:1/x' } }),
    ).rejects.toThrow(/DATABASE_READ_URL is set without DATABASE_URL/);
  });
});
