import type { DataSourceOptions } from 'typeorm';
import { SMS_CALLBACK_ENTITIES, SMS_CALLBACK_MIGRATIONS } from '../index';

export const entities = SMS_CALLBACK_ENTITIES;

export interface DatabaseConnectionSettings {
  url: string;
  /** Read replicas: TypeORM replication, the primary (`url`) by default, replicas where a query asks for one. */
  readUrls?: string[];
  poolSize: number;
  /** How long to wait for a connection (connect, or a free one in the pool); default 5 s. */
  connectTimeoutMs?: number;
  /** The server's `statement_timeout`; the client gives up 1 s later. Default 10 s. */
  statementTimeoutMs?: number;
}

/**
 * The one TypeORM configuration, used by the service, the license CLI, `ormconfig.ts` (migration
 * scripts) and the tests, for the embedded and the server PostgreSQL alike.
 */
export function buildDataSourceOptions({
  url,
  readUrls = [],
  poolSize,
  connectTimeoutMs = 5_000,
  statementTimeoutMs = 10_000,
}: DatabaseConnectionSettings): DataSourceOptions {
  return {
    type: 'postgres',
    // With replicas, every query goes to the primary unless it asks for a replica (`createQueryRunner('slave')`):
    // key verification and the write path read what was just written. Each replica has a pool of `poolSize`.
    ...(readUrls.length > 0
      ? {
          replication: {
            master: { url },
            slaves: readUrls.map((readUrl) => ({ url: readUrl })),
            defaultMode: 'master',
          },
        }
      : { url }),
    entities,
    migrations: SMS_CALLBACK_MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    poolSize,
    applicationName: 'sms-callback-service',
    extra: {
      // Fail fast instead of hanging when the database is unreachable: a request answers 503, never hangs.
      connectionTimeoutMillis: connectTimeoutMs,
      statement_timeout: statementTimeoutMs,
      // Client side: a server that stopped answering (network gone) fails the query too.
      query_timeout: statementTimeoutMs + 1_000,
      keepAlive: true,
      idleTimeoutMillis: 30_000,
    },
  };
}
