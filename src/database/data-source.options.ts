import type { DataSourceOptions } from 'typeorm';
import { License } from '../license/license.entity';
import { SmsCallback } from '../sms-callback/sms-callback.entity';
import { migrations } from './migrations';

export const entities = [License, SmsCallback];

export interface DatabaseConnectionSettings {
  url: string;
  poolSize: number;
}

/**
 * The one TypeORM configuration, used by the service, the license CLI, `ormconfig.ts` (migration
 * scripts) and the tests, for the embedded and the server PostgreSQL alike.
 */
export function buildDataSourceOptions({ url, poolSize }: DatabaseConnectionSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    poolSize,
    applicationName: 'sms-callback-service',
    extra: {
      // Fail fast instead of hanging when the database is unreachable.
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
      idleTimeoutMillis: 30_000,
    },
  };
}
