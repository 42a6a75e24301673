import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import {
  addDays,
  boundLiteral,
  CALLBACKS_TABLE,
  dayBounds,
  DEFAULT_PARTITION,
  parseBounds,
  PartitionInfo,
  partitionName,
} from './partition-days';
import { HOURLY_TABLE, ROLLUP_STATE_TABLE } from '../stats/rollup-sql';

/**
 * The DDL and catalog queries of partition maintenance, each on the connection (query runner) it is given. Every
 * change is its own short transaction with a lock timeout: it waits at most
 * `lockTimeoutMs` for the table's lock, so writers queued behind it are never held longer than that.
 */
@Injectable()
export class CallbackPartitionsRepository {
  /** A session-level advisory lock; false when another session holds it. */
  async tryLock(runner: QueryRunner, key: number): Promise<boolean> {
    const [{ locked }] = await rows<{ locked: boolean }>(runner, 'SELECT pg_try_advisory_lock($1) AS locked', [key]);
    return locked;
  }

  async unlock(runner: QueryRunner, key: number): Promise<void> {
    await runner.query('SELECT pg_advisory_unlock($1)', [key]);
  }

  /** The partitions of the callbacks table, with their bounds. */
  async list(runner: QueryRunner): Promise<PartitionInfo[]> {
    const partitions = await inMaintenanceTransaction(runner, 0, () =>
      rows<{ name: string; bounds: string }>(
        runner,
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bounds
           FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = to_regclass($1) ORDER BY c.relname`,
        [CALLBACKS_TABLE],
      ),
    );
    return partitions.map((row) => parseBounds(row.name, row.bounds));
  }

  /**
   * Creates the partition of `day` and moves into it the default partition's rows of that day, in one
   * transaction: every callback is in exactly one partition at every moment, so a replay always meets its
   * original. The new table is attached (SHARE UPDATE EXCLUSIVE on the callbacks table: writers and readers go
   * on) rather than created as a partition (ACCESS EXCLUSIVE). Returns the number of rows moved.
   */
  async createDay(runner: QueryRunner, day: Date, lockTimeoutMs: number): Promise<number> {
    const name = partitionName(day);
    return inMaintenanceTransaction(runner, lockTimeoutMs, async () => {
      // Holds off new strays for that day between the move and the attach (which checks the default partition).
      await runner.query(`LOCK TABLE "${DEFAULT_PARTITION}" IN SHARE ROW EXCLUSIVE MODE`);
      await runner.query(`CREATE TABLE "${name}" (LIKE "${CALLBACKS_TABLE}" INCLUDING DEFAULTS)`);
      const [{ moved }] = await rows<{ moved: number }>(
        runner,
        `WITH moved AS (
           DELETE FROM "${DEFAULT_PARTITION}" WHERE send_time_at >= ${boundLiteral(day)}
              AND send_time_at < ${boundLiteral(addDays(day, 1))} RETURNING *)
         , inserted AS (INSERT INTO "${name}" SELECT * FROM moved RETURNING 1)
         SELECT count(*)::int AS moved FROM inserted`,
      );
      await runner.query(`ALTER TABLE "${CALLBACKS_TABLE}" ATTACH PARTITION "${name}" ${dayBounds(day)}`);
      return moved;
    });
  }

  /**
   * Drops a daily partition: its rows go in one step, whatever their number (a brief ACCESS EXCLUSIVE lock). The
   * statistics rollup of its day goes in the same transaction (first: the table lock is taken last, held shortest),
   * and the rolled-up span starts after it, so that the rollup always covers exactly the stored callbacks.
   */
  async drop(runner: QueryRunner, partition: PartitionInfo, lockTimeoutMs: number): Promise<void> {
    await inMaintenanceTransaction(runner, lockTimeoutMs, async () => {
      await runner.query(`DELETE FROM ${HOURLY_TABLE} WHERE hour >= $1 AND hour < $2`, [partition.from, partition.to]);
      await runner.query(
        `UPDATE ${ROLLUP_STATE_TABLE} SET rolled_from = greatest(rolled_from, $1), rolled_to = greatest(rolled_to, $1)
          WHERE rolled_from IS NOT NULL`,
        [partition.to],
      );
      await runner.query(`DROP TABLE "${partition.name}"`);
    });
  }

  /**
   * Deletes up to `batch` rows of the default partition received before `cutoff`; returns how many. The default
   * partition holds only the strays (times outside every daily partition), so this stays small.
   */
  async deleteStrays(runner: QueryRunner, cutoff: Date, batch: number, lockTimeoutMs: number): Promise<number> {
    return inMaintenanceTransaction(runner, lockTimeoutMs, async () => {
      const [{ deleted }] = await rows<{ deleted: number }>(
        runner,
        `WITH gone AS (
           DELETE FROM "${DEFAULT_PARTITION}" WHERE ctid IN (
             SELECT ctid FROM "${DEFAULT_PARTITION}" WHERE received_at < $1 LIMIT ${batch}) RETURNING 1)
         SELECT count(*)::int AS deleted FROM gone`,
        [cutoff],
      );
      return deleted;
    });
  }
}

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
