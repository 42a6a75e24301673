import { randomBytes } from 'node:crypto';
import { DataSource, DataSourceOptions } from 'typeorm';
import { buildDataSourceOptions } from '../../../src/database/data-source.options';
import { runMigrationsExclusively } from '../../../src/database/migrate';
import { migrations } from '../../../src/schema/migrations';
import { InitialSchema1764230400000 } from '../../../src/schema/migrations/1764230400000-initial-schema';
import { CallbackNormalisedData1764400000000 } from '../../../src/schema/migrations/1764400000000-callback-normalised-data';
import { replayKeyOf } from '../../../src/sms-callback/replay-key';
import { SmsCallback } from '../../../src/sms-callback/sms-callback.entity';
import { schemaDataSource } from '../../support/schema-data-source';

/**
 * Migrations on data stored before them, in a schema of their own (search_path, set on the one pooled
 * connection) so that the suite's tables are not touched. On the embedded database every connection
 * shares one backend, hence the reset after each use.
 */
describe('migrations', () => {
  const schema = `migration_test_${randomBytes(4).toString('hex')}`;
  const url = process.env.DATABASE_URL!;
  let admin: DataSource;

  const dataSourceWith = (list: Array<new () => unknown>) => schemaDataSource(schema, list);

  beforeAll(async () => {
    admin = new DataSource(buildDataSourceOptions({ url, poolSize: 1 }));
    await admin.initialize();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.destroy();
  });

  it('should fill in the normalised number and times of stored callbacks, keeping NULL for unreadable ones', async () => {
    const before = await dataSourceWith([InitialSchema1764230400000]);
    try {
      await before.runMigrations();
    } catch (err) {
      await before.destroy();
      throw err;
    }
    const [{ id: licenseId }] = await before.query<Array<{ id: string }>>(
      `INSERT INTO licenses (enterprise_id, key_prefix, key_hash) VALUES ('ent', 'smscb_x', $1) RETURNING id`,
      ['0'.repeat(64)],
    );
    const insert = (msisdn: string, sendTime: string, responseTime: string | null) =>
      before.query<Array<{ id: string }>>(
        `INSERT INTO sms_callbacks (enterprise_id, license_id, msisdn, request_id, send_time, response_time_telco,
           status, referent_id, retry_count, replay_key, raw_body)
         VALUES ('ent', $1, $2, 'r', $3, $4, 0, 'ref', 0, $5, '{}') RETURNING id`,
        [licenseId, msisdn, sendTime, responseTime, randomBytes(32)],
      );
    const [[good], [badTime], [badNumber]] = [
      await insert('0912345678', '2025-05-01 17:15:30', '2025-05-01 17:15:32'),
      await insert('0912345679', 'not a time', null),
      await insert('call me', '2025-05-01 17:15:30', 'never'),
    ];
    await before.destroy();

    const after = await dataSourceWith(migrations);
    try {
      await after.runMigrations();
      const rows = await after.query<Array<Record<string, unknown>>>(
        `SELECT id, msisdn_normalized, send_time_at, response_time_telco_at, replay_key FROM sms_callbacks`,
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      expect(rows).toHaveLength(3);
      expect(byId.get(good.id)).toMatchObject({
        msisdn_normalized: '84912345678',
        send_time_at: new Date('2025-05-01T10:15:30Z'),
        response_time_telco_at: new Date('2025-05-01T10:15:32Z'),
        replay_key: replayKeyOf({
          msisdn: '84912345678',
          requestId: 'r',
          sendTime: new Date('2025-05-01T10:15:30Z'),
          responseTimeTelco: new Date('2025-05-01T10:15:32Z'),
          status: 0,
          referentId: 'ref',
          retryCount: 0,
        }),
      });
      expect(byId.get(badTime.id)).toMatchObject({ msisdn_normalized: '84912345679', send_time_at: null });
      expect(byId.get(badNumber.id)).toMatchObject({ msisdn_normalized: null, response_time_telco_at: null });

      // And back down again, cleanly: every later migration first, then the normalised data.
      for (let i = migrations.indexOf(CallbackNormalisedData1764400000000); i < migrations.length; i++) {
        await after.undoLastMigration();
      }
      const columns = await after.query<Array<{ column_name: string }>>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sms_callbacks'`,
        [schema],
      );
      expect(columns.map((c) => c.column_name)).not.toContain('send_time_at');
    } finally {
      await after.destroy();
    }
  });

  it('should leave no pending change between the entities and the migrations', async () => {
    const fresh = await dataSourceWith(migrations);
    try {
      await fresh.runMigrations();
      const pending = await fresh.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await fresh.destroy();
    }
  });

  it('should give the partitioned callbacks table, which the schema diff leaves alone, the columns of its entity', async () => {
    const fresh = await dataSourceWith(migrations);
    try {
      await fresh.runMigrations();
      const columns = await fresh.query<Array<{ column_name: string; udt_name: string; is_nullable: string }>>(
        `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
          WHERE table_schema = $1 AND table_name = 'sms_callbacks' ORDER BY column_name`,
        [schema],
      );
      const udt: Record<string, string> = {
        uuid: 'uuid',
        varchar: 'varchar',
        timestamptz: 'timestamptz',
        integer: 'int4',
        bytea: 'bytea',
        jsonb: 'jsonb',
      };
      const expected = fresh
        .getMetadata(SmsCallback)
        .columns.map((c) => ({
          column_name: c.databaseName,
          udt_name: udt[String(c.type)],
          is_nullable: c.isNullable ? 'YES' : 'NO',
        }))
        .sort((a, b) => a.column_name.localeCompare(b.column_name));
      expect(columns).toEqual(expected);
    } finally {
      await fresh.destroy();
    }
  });

  it('should let instances that start together on one server take turns at the migrations', async () => {
    if (process.env.DB_POOL_SIZE === '1') {
      // The embedded database: one process, one connection; there is no one to take turns with.
      process.stdout.write('concurrent migrations: skipped on the embedded database (one connection)\n');
      return;
    }
    const turnsSchema = `${schema}_turns`;
    await admin.query(`CREATE SCHEMA ${turnsSchema}`);
    const instance = () =>
      new DataSource({
        ...(buildDataSourceOptions({ url, poolSize: 3 }) as Extract<DataSourceOptions, { type: 'postgres' }>),
        schema: turnsSchema,
        extra: { options: `-c search_path=${turnsSchema}` },
      });
    const [a, b] = [instance(), instance()];
    await Promise.all([a.initialize(), b.initialize()]);
    try {
      await Promise.all([runMigrationsExclusively(a), runMigrationsExclusively(b)]);
      const applied = await a.query<Array<{ name: string }>>(`SELECT name FROM ${turnsSchema}.typeorm_migrations`);
      expect(applied.map((row) => row.name).sort()).toEqual(migrations.map((migration) => migration.name).sort());
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
      await admin.query(`DROP SCHEMA ${turnsSchema} CASCADE`);
    }
  });
});
