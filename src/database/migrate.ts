import type { DataSource } from 'typeorm';

/** The advisory lock key of migrations: any constant shared by every instance of the service. */
export const MIGRATION_LOCK_KEY = 7_314_226_001;

/**
 * Applies the pending migrations, each in its own transaction, holding a PostgreSQL advisory lock: instances
 * starting together on one database take turns instead of racing to create the same tables (the losers
 * would fail their start). The wait for the lock is not bound by the statement timeout: a long migration
 * of another instance is waited for. With a single pooled connection (the embedded database, one process)
 * there is no one to take turns with, and the lock would hold the only connection: no lock then.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  const poolSize = (dataSource.options as { poolSize?: number }).poolSize ?? 10;
  if (poolSize < 2) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      await runner.query('RESET statement_timeout');
    }
  } finally {
    await runner.release();
  }
}
