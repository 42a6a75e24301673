import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { migrations } from '../../src/database/migrations';
import { CallbackPartitionsRepository } from '../../src/sms-callback/retention/callback-partitions.repository';
import type { CallbackRetentionOptions } from '../../src/sms-callback/retention/callback-retention.options';
import { CallbackRetentionService } from '../../src/sms-callback/retention/callback-retention.service';
import { StatsRollupRepository } from '../../src/sms-callback/stats/stats-rollup.repository';
import { StatsRollupService } from '../../src/sms-callback/stats/stats-rollup.service';
import { schemaDataSource, withSchema } from './schema-data-source';

export interface CallbacksSchema {
  schema: string;
  db: DataSource;
  /** A license of enterprise `ent`. */
  licenseId: string;
  /** Destroys the data source and drops the schema. */
  drop(): Promise<void>;
}

/** A schema of the test's own (`<prefix>_<random>`), migrated, with a license of enterprise `ent`. */
export async function migratedCallbacksSchema(prefix: string): Promise<CallbacksSchema> {
  const schema = `${prefix}_${randomBytes(4).toString('hex')}`;
  const dropSchema = await withSchema(schema);
  const db = await schemaDataSource(schema, migrations);
  await db.runMigrations();
  const [{ id: licenseId }] = await db.query<Array<{ id: string }>>(
    `INSERT INTO licenses (enterprise_id, key_prefix, key_hash) VALUES ('ent', 'smscb_x', $1) RETURNING id`,
    ['1'.repeat(64)],
  );
  return {
    schema,
    db,
    licenseId,
    drop: async () => {
      await db.destroy();
      await dropSchema();
    },
  };
}

/** The maintenance job (partitions, retention, statistics rollup) on `db`, as the service wires it. */
export function maintenanceOn(
  db: DataSource,
  options: Partial<CallbackRetentionOptions> = {},
): CallbackRetentionService {
  return new CallbackRetentionService(
    db,
    new CallbackPartitionsRepository(),
    { retentionDays: 30, intervalMinutes: 0, ...options },
    new StatsRollupService(new StatsRollupRepository()),
  );
}
