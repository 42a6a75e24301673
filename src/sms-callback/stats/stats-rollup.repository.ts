import { Injectable } from '@nestjs/common';
import type { QueryRunner } from 'typeorm';
import { rows } from '../retention/callback-partitions.repository';
import { HOURLY_TABLE, ROLLUP_STATE_TABLE, rollUpSql } from './rollup-sql';

/** How long one roll-up statement (a day of callbacks) may take before the client gives up. */
const ROLL_UP_TIMEOUT_MS = 30 * 60_000;

/** What the rollup covers: callbacks sent in [rolledFrom, rolledTo) and received before `receivedBefore`. */
export interface RollupState {
  rolledFrom: Date | null;
  rolledTo: Date | null;
  receivedBefore: Date | null;
}

export interface RolledUp {
  rows: number;
  callbacks: number;
}

/** The statistics rollup's writes and its state, each on the connection (inside the transaction) it is given. */
@Injectable()
export class StatsRollupRepository {
  async state(runner: QueryRunner, forUpdate = false): Promise<RollupState | undefined> {
    const [state] = await rows<RollupState>(
      runner,
      `SELECT rolled_from AS "rolledFrom", rolled_to AS "rolledTo", received_before AS "receivedBefore"
         FROM ${ROLLUP_STATE_TABLE}${forUpdate ? ' FOR UPDATE' : ''}`,
    );
    return state;
  }

  async setState(runner: QueryRunner, state: RollupState): Promise<void> {
    await runner.query(`UPDATE ${ROLLUP_STATE_TABLE} SET rolled_from = $1, rolled_to = $2, received_before = $3`, [
      state.rolledFrom,
      state.rolledTo,
      state.receivedBefore,
    ]);
  }

  /** The database's clock (the one `received_at` is written with). */
  async now(runner: QueryRunner): Promise<Date> {
    const [{ now }] = await rows<{ now: Date }>(runner, 'SELECT now() AS now');
    return now;
  }

  /** Forgets the rollup of the hours before `hour` (their callbacks are gone); null: all of it. */
  async deleteBefore(runner: QueryRunner, hour: Date | null): Promise<void> {
    await runner.query(`DELETE FROM ${HOURLY_TABLE} WHERE $1::timestamptz IS NULL OR hour < $1`, [hour]);
  }

  /** Rolls up the callbacks sent in [from, to) and received before `receivedBefore` (one partition's scan). */
  async rollUpSent(runner: QueryRunner, from: Date, to: Date, receivedBefore: Date): Promise<RolledUp> {
    return this.rollUp(
      runner,
      rollUpSql('sms_callbacks c WHERE c.send_time_at >= $1 AND c.send_time_at < $2 AND c.received_at < $3', '$3'),
      [from, to, receivedBefore],
    );
  }

  /**
   * Rolls up the late arrivals: callbacks sent in [from, to) (hours rolled up before) and received in
   * [receivedFrom, receivedBefore). One descent of the received-time index per enterprise and partition.
   */
  async rollUpReceived(
    runner: QueryRunner,
    from: Date,
    to: Date,
    receivedFrom: Date,
    receivedBefore: Date,
  ): Promise<RolledUp> {
    const source = `(SELECT DISTINCT enterprise_id FROM licenses) e CROSS JOIN LATERAL (
        SELECT c.enterprise_id, c.send_time_at, c.response_time_telco_at, c.status, c.request_id FROM sms_callbacks c
         WHERE c.enterprise_id = e.enterprise_id AND c.received_at >= $3 AND c.received_at < $4
           AND c.send_time_at >= $1 AND c.send_time_at < $2) c`;
    return this.rollUp(runner, rollUpSql(source, '$4'), [from, to, receivedFrom, receivedBefore]);
  }

  /**
   * A roll-up statement may take longer than the API's client-side `query_timeout` (DB_STATEMENT_TIMEOUT_MS + 1 s),
   * which node-postgres applies to every query of the pool: this one runs on the transaction's driver connection
   * with a timeout of its own (its transaction has no statement timeout either).
   */
  private async rollUp(runner: QueryRunner, sql: string, parameters: unknown[]): Promise<RolledUp> {
    const client = (await runner.connect()) as {
      query(config: { text: string; values: unknown[]; query_timeout: number }): Promise<{ rows: unknown[] }>;
    };
    // The groupings' sizes are guesses to the planner (a CTE): a nested loop over two of them took minutes for a day.
    await runner.query('SET LOCAL enable_nestloop = off');
    const {
      rows: [result],
    } = await client.query({ text: sql, values: parameters, query_timeout: ROLL_UP_TIMEOUT_MS });
    const { rows: rolled, callbacks } = result as { rows: number; callbacks: string };
    return { rows: rolled, callbacks: Number(callbacks) };
  }
}
