import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Runs a read of the read API on a read replica (DATABASE_READ_URL; the primary without one). Everything else, the
 * writes and the reads of the write path, goes to the primary (the data source's default mode).
 */
export async function onReplica<T>(dataSource: DataSource, read: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner('slave');
  try {
    return await read(runner);
  } finally {
    await runner.release();
  }
}
