import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { STORED_CALLBACK_COLUMNS, type StoredSmsCallback } from '../sms-callback/sms-callback.repository';
import { OUTBOX_TABLE } from './sms-callback-outbox.entity';

/** An outbox row claimed by a transaction, with its callback (null when the callback no longer exists). */
export interface ClaimedEntry {
  outboxId: string;
  callbackId: string;
  callback: StoredSmsCallback | null;
}

export interface OutboxBacklog {
  count: number;
  /** When the oldest waiting callback was stored; null when none waits. */
  oldestReceivedAt: Date | null;
}

/** Queries on the outbox table. */
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Locks the oldest rows that no other transaction holds (`FOR UPDATE SKIP LOCKED`: instances relaying
   * at the same time take different rows) and reads their callbacks, oldest first. Each callback is looked
   * up by its key (a LATERAL ... LIMIT 1 that the planner cannot turn into a hash join over the whole
   * table: with the table's statistics lagging behind its growth, it did, seen at 4 ms of PostgreSQL CPU per
   * callback in the bench).
   */
  async claimOldest(runner: QueryRunner, limit: number): Promise<ClaimedEntry[]> {
    const rows: Array<{ outboxId: string; callbackId: string; id: string | null } & StoredSmsCallback> =
      await runner.query(
        `SELECT o.id AS "outboxId", o.callback_id AS "callbackId", c.*
           FROM (SELECT id, callback_id, callback_received_at FROM ${OUTBOX_TABLE}
                  ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) o
           LEFT JOIN LATERAL (
             SELECT ${STORED_CALLBACK_COLUMNS} FROM sms_callbacks
              WHERE id = o.callback_id AND received_at = o.callback_received_at LIMIT 1
           ) c ON true
          ORDER BY o.id`,
        [limit],
      );
    return rows.map(({ outboxId, callbackId, ...callback }) => ({
      outboxId,
      callbackId,
      callback: callback.id === null ? null : callback,
    }));
  }

  async remove(runner: QueryRunner, outboxIds: string[]): Promise<void> {
    await runner.query(`DELETE FROM ${OUTBOX_TABLE} WHERE id = ANY($1::bigint[])`, [outboxIds]);
  }

  /** How many callbacks wait, and since when (rows locked by a relay in progress included). */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.dataSource.query<Array<{ count: number; oldest: Date | null }>>(
      `SELECT count(*)::int AS count, min(callback_received_at) AS oldest FROM ${OUTBOX_TABLE}`,
    );
    return { count: row.count, oldestReceivedAt: row.oldest };
  }
}
