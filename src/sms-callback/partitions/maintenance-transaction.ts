import type { QueryRunner } from 'typeorm';

/** The rows of a query on a maintenance step's own connection. */
export async function rows<T>(runner: QueryRunner, sql: string, parameters?: unknown[]): Promise<T[]> {
  return (await runner.query(sql, parameters)) as T[];
}

/**
 * One step of maintenance in its own transaction. Settings are LOCAL to the transaction, never the session's: on
 * the embedded database every connection shares one session. No statement timeout (a move may be long; the lock
 * timeout bounds the waits), bounds in UTC.
 */
export async function inMaintenanceTransaction<T>(
  runner: QueryRunner,
  lockTimeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  await runner.startTransaction();
  try {
    await runner.query(
      `SET LOCAL lock_timeout = ${Math.round(lockTimeoutMs)}; SET LOCAL statement_timeout = 0; SET LOCAL TimeZone = 'UTC'`,
    );
    const result = await work();
    await runner.commitTransaction();
    return result;
  } catch (err) {
    await runner.rollbackTransaction();
    throw err;
  }
}
