import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { STORED_CALLBACK_COLUMNS, type StoredSmsCallback } from '../sms-callback/sms-callback.repository';
import { OUTBOX_TABLE } from './sms-callback-outbox.entity';

/** An outbox row claimed by a relay, with its callback (null when the callback no longer exists). */
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
   * Claims the oldest rows that no relay holds (no lease, or a lease that ran out: its relay died) for
   * `leaseMs`, in one short autocommitted statement (`FOR UPDATE SKIP LOCKED`: relays claiming at the same time
   * take different rows), and reads their callbacks, oldest first. The relay then publishes without holding a
   * connection or a transaction. Each callback is read from its own partition (the row's copy of
   * `send_time_at`; run-time pruning in the LATERAL), by its key (a LATERAL ... LIMIT 1 that the planner
   * cannot turn into a hash join over the whole table: with the table's statistics lagging behind its growth,
   * it did, seen at 4 ms of PostgreSQL CPU per callback in the bench).
   */
  async claimOldest(limit: number, leaseMs: number): Promise<ClaimedEntry[]> {
    const rows: Array<{ outboxId: string; callbackId: string; id: string | null } & StoredSmsCallback> =
      await this.dataSource.query(
        `WITH claimed AS (
           UPDATE ${OUTBOX_TABLE} SET claimed_until = now() + make_interval(secs => $2::double precision / 1000)
            WHERE id IN (SELECT id FROM ${OUTBOX_TABLE}
                          WHERE claimed_until IS NULL OR claimed_until < now()
                          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, callback_id, callback_send_time_at)
         SELECT o.id AS "outboxId", o.callback_id AS "callbackId", c.*
           FROM claimed o
           LEFT JOIN LATERAL (
             SELECT ${STORED_CALLBACK_COLUMNS} FROM sms_callbacks
              WHERE id = o.callback_id AND send_time_at = o.callback_send_time_at
             UNION ALL
             SELECT ${STORED_CALLBACK_COLUMNS} FROM sms_callbacks
              WHERE o.callback_send_time_at IS NULL AND id = o.callback_id AND send_time_at IS NULL
             LIMIT 1
           ) c ON true
          ORDER BY o.id`,
        [limit, leaseMs],
      );
    return rows.map(({ outboxId, callbackId, ...callback }) => ({
      outboxId,
      callbackId,
      callback: callback.id === null ? null : callback,
    }));
  }

  /** Deletes rows whose messages the broker confirmed (or whose callbacks are gone). */
  async remove(outboxIds: string[]): Promise<void> {
    await this.dataSource.query(`DELETE FROM ${OUTBOX_TABLE} WHERE id = ANY($1::bigint[])`, [outboxIds]);
  }

  /** Ends the lease of rows that were not published, so that the next batch takes them first again. */
  async release(outboxIds: string[]): Promise<void> {
    await this.dataSource.query(`UPDATE ${OUTBOX_TABLE} SET claimed_until = NULL WHERE id = ANY($1::bigint[])`, [
      outboxIds,
    ]);
  }

  /** How many callbacks wait, and since when (rows locked by a relay in progress included). */
  async backlog(): Promise<OutboxBacklog> {
    const [row] = await this.dataSource.query<Array<{ count: number; oldest: Date | null }>>(
      `SELECT count(*)::int AS count, min(callback_received_at) AS oldest FROM ${OUTBOX_TABLE}`,
    );
    return { count: row.count, oldestReceivedAt: row.oldest };
  }
}
