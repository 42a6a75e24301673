import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migrations } from '../../../src/schema/migrations';
import { PartitionCallbacksBySendTime1764600000000 } from '../../../src/schema/migrations/1764600000000-partition-callbacks-by-send-time';
import { addDays, partitionName, utcDay } from '../../../src/sms-callback/partitions/partition-days';
import { schemaDataSource, withSchema } from '../../support/schema-data-source';

/**
 * The migration that partitions `sms_callbacks` by sendTime (1764600000000), on a table filled before it: every
 * row comes through unchanged, each in the partition of its sendTime's UTC day or in the default one.
 */
describe('migration to the partitioned callbacks table', () => {
  const schema = `partition_migration_test_${randomBytes(4).toString('hex')}`;
  // The migrations up to this one (later ones, e.g. the stream's outbox, are not its business).
  const upTo = migrations.slice(0, migrations.indexOf(PartitionCallbacksBySendTime1764600000000) + 1);
  const before = upTo.slice(0, upTo.length - 1);
  let dropSchema: () => Promise<void>;
  let db: DataSource;
  const today = utcDay(new Date());
  const ROWS = 3_000;

  /** Every stored value of every row, in one digest. */
  const digest = async () =>
    (
      await db.query<Array<{ digest: string; rows: number }>>(
        `SELECT md5(string_agg(row_to_json(c)::text, '|' ORDER BY id)) AS digest, count(*)::int AS rows
           FROM (SELECT id, enterprise_id, license_id, received_at, msisdn, msisdn_normalized, request_id, send_time,
                        send_time_at, response_time_telco, response_time_telco_at, status, referent_id, retry_count,
                        encode(replay_key, 'hex') AS replay_key, raw_body FROM sms_callbacks) c`,
      )
    )[0];

  beforeAll(async () => {
    dropSchema = await withSchema(schema);
    db = await schemaDataSource(schema, before);
    await db.runMigrations();
    const [{ id: licenseId }] = await db.query<Array<{ id: string }>>(
      `INSERT INTO licenses (enterprise_id, key_prefix, key_hash) VALUES ('ent', 'smscb_x', $1) RETURNING id`,
      ['0'.repeat(64)],
    );
    // ROWS callbacks over the last 10 days, then the odd ones: unreadable (NULL), 1970, 2099.
    await db.query(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, msisdn_normalized, request_id, send_time,
         send_time_at, status, referent_id, retry_count, replay_key, raw_body)
       SELECT 'ent', $1, '0912345678', '84912345678', 'req-' || i, 'x', $2::timestamptz - i * interval '5 minutes',
              i % 3, 'ref-' || i, 0, sha256(('k' || i)::bytea), jsonb_build_object('i', i)
         FROM generate_series(1, ${ROWS}) AS i`,
      [licenseId, today],
    );
    await db.query(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, request_id, send_time, send_time_at,
         referent_id, retry_count, replay_key, raw_body)
       VALUES ('ent', $1, '0912345678', 'odd-1', 'not a time', NULL, 'r', 0, '\\x01', '{}'),
              ('ent', $1, '0912345678', 'odd-2', '1970-01-01 00:00:00', '1970-01-01T00:00:00Z', 'r', 0, '\\x02', '{}'),
              ('ent', $1, '0912345678', 'odd-3', '2099-06-01 00:00:00', '2099-06-01T00:00:00Z', 'r', 0, '\\x03', '{}')`,
      [licenseId],
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await dropSchema?.();
  });

  it('should copy every stored row unchanged into a table partitioned by the day of its sendTime', async () => {
    const old = await digest();
    expect(old.rows).toBe(ROWS + 3);
    await db.destroy();
    db = await schemaDataSource(schema, upTo);
    await db.runMigrations();

    const [{ partitioned }] = await db.query<Array<{ partitioned: boolean }>>(
      `SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = 'sms_callbacks'::regclass`,
    );
    expect(partitioned).toBe(true);
    expect(await digest()).toEqual(old);

    const placed = await db.query<Array<{ partition: string; request_id: string; day: Date | null }>>(
      `SELECT tableoid::regclass::text AS partition, request_id,
              date_trunc('day', send_time_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day FROM sms_callbacks`,
    );
    for (const row of placed) {
      const odd = row.request_id.startsWith('odd-');
      expect(row.partition).toBe(odd ? 'sms_callbacks_default' : partitionName(row.day!));
    }
    const names = new Set(placed.map((row) => row.partition));
    // The ten stored days (and the first of them at most one more), plus today and the days ahead.
    expect(names).toContain(partitionName(addDays(today, -10)));
    expect(names).toContain(partitionName(addDays(today, -1)));
  });

  it('should keep refusing a second row with the same enterprise and replay key', async () => {
    const [{ key, sent }] = await db.query<Array<{ key: Buffer; sent: Date }>>(
      `SELECT replay_key AS key, send_time_at AS sent FROM sms_callbacks WHERE request_id = 'req-7'`,
    );
    const inserted = await db.query<unknown[]>(
      `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, request_id, send_time, send_time_at,
         referent_id, retry_count, replay_key, raw_body)
       SELECT 'ent', license_id, msisdn, 'again', send_time, $2, 'r', 0, $1, '{}' FROM sms_callbacks WHERE request_id = 'req-7'
       ON CONFLICT (enterprise_id, replay_key, send_time_at) DO NOTHING RETURNING id`,
      [key, sent],
    );
    expect(inserted).toHaveLength(0);
  });

  it('should turn back into the unpartitioned table with every row', async () => {
    const partitioned = await digest();
    await db.undoLastMigration();
    const [{ kind }] = await db.query<Array<{ kind: string }>>(
      `SELECT relkind AS kind FROM pg_class WHERE oid = 'sms_callbacks'::regclass`,
    );
    expect(kind).toBe('r');
    expect(await digest()).toEqual(partitioned);
  });
});
