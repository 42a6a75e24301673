import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryRunner, Repository, SelectQueryBuilder } from 'typeorm';
import { CALLBACK_OUTBOX, type CallbackOutbox } from './callback-outbox';
import { onReplica } from './read-replica';
import { roundedOrNull, type SmsCallbackStats } from './stats/callback-stats';
import { LATENCY_MS } from './stats/stats-sketch';
import { SmsCallback } from './sms-callback.entity';
import type { InsertedSmsCallback, NewSmsCallback, StoredSmsCallback } from './stored-sms-callback';
import type { SmsCallbackFilter } from './sms-callback-filter';

export type { SmsCallbackFilter } from './sms-callback-filter';

export type { InsertedSmsCallback, NewSmsCallback, StoredSmsCallback } from './stored-sms-callback';

export type SmsCallbackOrder = 'receivedAt' | 'sendTime';

/** The columns a caller reads back: everything but the raw body and the replay key. */
const COLUMNS: Record<keyof StoredSmsCallback, string> = {
  id: 'id',
  enterpriseId: 'enterprise_id',
  licenseId: 'license_id',
  receivedAt: 'received_at',
  msisdn: 'msisdn',
  msisdnNormalized: 'msisdn_normalized',
  requestId: 'request_id',
  sendTime: 'send_time',
  sendTimeAt: 'send_time_at',
  responseTimeTelco: 'response_time_telco',
  responseTimeTelcoAt: 'response_time_telco_at',
  status: 'status',
  referentId: 'referent_id',
  retryCount: 'retry_count',
};
/**
 * The columns of a new row with the type of their array parameter in `insertManyUnlessReplay`, and the property of
 * {@link NewSmsCallback} each is read from.
 */
const INSERTED_COLUMNS: Array<[column: string, arrayType: string, property: keyof NewSmsCallback]> = [
  ['enterprise_id', 'varchar[]', 'enterpriseId'],
  ['license_id', 'uuid[]', 'licenseId'],
  ['msisdn', 'varchar[]', 'msisdn'],
  ['msisdn_normalized', 'varchar[]', 'msisdnNormalized'],
  ['request_id', 'varchar[]', 'requestId'],
  ['send_time', 'varchar[]', 'sendTime'],
  ['send_time_at', 'timestamptz[]', 'sendTimeAt'],
  ['response_time_telco', 'varchar[]', 'responseTimeTelco'],
  ['response_time_telco_at', 'timestamptz[]', 'responseTimeTelcoAt'],
  ['status', 'int[]', 'status'],
  ['referent_id', 'varchar[]', 'referentId'],
  ['retry_count', 'int[]', 'retryCount'],
  ['replay_key', 'bytea[]', 'replayKey'],
  ['raw_body', 'jsonb[]', 'rawBody'],
];
/**
 * The insert of any number of rows: one array parameter per column, unnested. The same short text whatever the
 * number of rows: PostgreSQL parses and plans 14 parameters, not 14 per row (bench/row-cost.js: a VALUES list of
 * 500 rows cost it ~30 us of its ~85 us of CPU per row; see the README, issue 14).
 */
const INSERT = `INSERT INTO sms_callbacks (${INSERTED_COLUMNS.map(([column]) => column).join(', ')})
   SELECT * FROM unnest(${INSERTED_COLUMNS.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})
   ON CONFLICT (enterprise_id, replay_key, send_time_at) DO NOTHING
   RETURNING id AS "id", received_at AS "receivedAt", send_time_at AS "sendTimeAt",
     enterprise_id AS "enterpriseId", replay_key AS "replayKey"`;
const PROPERTIES = Object.keys(COLUMNS) as Array<keyof StoredSmsCallback>;

/** The select list of a {@link StoredSmsCallback} (for the outbox's relay too). */
export const STORED_CALLBACK_COLUMNS = PROPERTIES.map((property) => `${COLUMNS[property]} AS "${property}"`).join(', ');
const RETURNED = STORED_CALLBACK_COLUMNS;

/**
 * Queries on `sms_callbacks` (and the outbox rows written with them), nothing else. The read API's queries
 * (`findPage`, `findById`, `stats`) go to a read replica when there is one; the write path's (insert,
 * replays) to the primary.
 */
@Injectable()
export class SmsCallbackRepository {
  constructor(
    @InjectRepository(SmsCallback) private readonly callbacks: Repository<SmsCallback>,
    @Optional() @Inject(CALLBACK_OUTBOX) private readonly outbox?: CallbackOutbox | null,
  ) {}

  /**
   * Inserts the callbacks, in one statement, except those whose enterprise already has one with the same
   * replay key (or that repeat an earlier one of the same statement). Returns the rows inserted, each with its
   * replay key. The statement commits on its own (autocommit): when it returns, the rows are durable. The conflict
   * target carries the partition key, `send_time_at`, which the replay key covers: a replay lands in its
   * original's partition and meets it there.
   * With an outbox, the same statement also writes an outbox row for each row inserted, and the outbox is told
   * of them once the statement returns (committed).
   */
  async insertManyUnlessReplay(callbacks: NewSmsCallback[]): Promise<InsertedSmsCallback[]> {
    const params: unknown[] = INSERTED_COLUMNS.map(([, , property]) => callbacks.map((callback) => callback[property]));
    // Only what the database made is read back (the rest is what was sent): less to send, parse and convert.
    let statement = INSERT;
    const handOff = this.outbox?.handOff();
    if (this.outbox) {
      params.push(handOff!.leaseMs);
      statement = withOutboxRows(statement, this.outbox.table, `$${params.length}`);
    }
    const made: Array<Pick<InsertedSmsCallback, 'id' | 'receivedAt' | 'enterpriseId' | 'replayKey'> & OutboxId> =
      await this.callbacks.query(statement, params);
    // A row inserted is the first of the statement with its key (a repeat conflicts with it).
    const sentByKey = new Map<string, NewSmsCallback>();
    for (const callback of callbacks) {
      const key = `${callback.enterpriseId}\u0000${callback.replayKey.toString('hex')}`;
      if (!sentByKey.has(key)) {
        sentByKey.set(key, callback);
      }
    }
    // Object.assign rather than a spread: a spread of these 14 properties costs ~4 us a callback, this ~0.5.
    const inserted: InsertedSmsCallback[] = made.map(({ id, receivedAt, enterpriseId, replayKey }) =>
      Object.assign({}, sentByKey.get(`${enterpriseId}\u0000${replayKey.toString('hex')}`)!, { id, receivedAt }),
    );
    if (this.outbox && made.length > 0) {
      this.outbox.recorded(
        inserted.map((callback, i) => ({ outboxId: made[i].outboxId!, callback })),
        handOff!,
      );
    }
    return inserted;
  }

  /**
   * The stored callbacks with these replay keys, each with its replay key. The send time narrows each look-up to
   * one partition (a row with none never conflicts: the unique index takes NULLs as distinct).
   */
  async findByReplayKeys(
    keys: Array<Pick<NewSmsCallback, 'enterpriseId' | 'replayKey' | 'sendTimeAt'>>,
  ): Promise<InsertedSmsCallback[]> {
    if (keys.length === 0) {
      return [];
    }
    return this.callbacks.query(
      `SELECT ${RETURNED}, replay_key AS "replayKey" FROM sms_callbacks c
         JOIN unnest($1::varchar[], $2::bytea[], $3::timestamptz[]) AS k(e, r, s)
           ON c.enterprise_id = k.e AND c.replay_key = k.r AND c.send_time_at = k.s`,
      [keys.map((key) => key.enterpriseId), keys.map((key) => key.replayKey), keys.map((key) => key.sendTimeAt)],
    );
  }

  async findById(enterpriseId: string, id: string): Promise<StoredSmsCallback | undefined> {
    const rows = await this.onReplica(
      (runner) =>
        runner.query(`SELECT ${RETURNED} FROM sms_callbacks WHERE enterprise_id = $1 AND id = $2`, [
          enterpriseId,
          id,
        ]) as Promise<StoredSmsCallback[]>,
    );
    return rows[0];
  }

  /**
   * One page, newest first by the chosen time, and the number that match counted up to `countCap + 1` at most
   * (a count of the whole history would read every matching index entry of every partition).
   */
  async findPage(
    enterpriseId: string,
    filter: SmsCallbackFilter,
    order: SmsCallbackOrder,
    offset: number,
    limit: number,
    countCap: number,
  ): Promise<[StoredSmsCallback[], number]> {
    return Promise.all([
      this.onReplica((runner) => {
        const query = this.filtered(enterpriseId, filter, runner).select(PROPERTIES.map((property) => `c.${property}`));
        if (order === 'sendTime') {
          query.orderBy('c.send_time_at', 'DESC', 'NULLS LAST');
        } else {
          query.orderBy('c.received_at', 'DESC');
        }
        return query.addOrderBy('c.id', 'DESC').offset(offset).limit(limit).getMany();
      }),
      this.onReplica(async (runner) => {
        const matching = this.filtered(enterpriseId, filter, runner)
          .select('1')
          .limit(countCap + 1);
        const counted = await this.callbacks.manager
          .createQueryBuilder(runner)
          .select('count(*)::int', 'n')
          .from(`(${matching.getQuery()})`, 'matching')
          .setParameters(matching.getParameters())
          .getRawOne<{ n: number }>();
        return counted?.n ?? 0;
      }),
    ]);
  }

  /** Counts by status, distinct send requests and telco latency, computed exactly by PostgreSQL over the callbacks. */
  async stats(enterpriseId: string, filter: SmsCallbackFilter): Promise<SmsCallbackStats> {
    const [totals, byStatus] = await Promise.all([
      this.onReplica((runner) =>
        this.filtered(enterpriseId, filter, runner)
          .select('count(*)::int', 'total')
          // Bytewise comparison: the same count as the collation's, without its slower sort.
          .addSelect('count(DISTINCT c.request_id COLLATE "C")::int', 'distinctRequestIds')
          .addSelect('count(c.response_time_telco_at - c.send_time_at)::int', 'latencyCount')
          .addSelect(`min(${LATENCY_MS})`, 'minMs')
          // Both percentiles from one sort.
          .addSelect(`percentile_cont(ARRAY[0.5, 0.95]) WITHIN GROUP (ORDER BY ${LATENCY_MS})`, 'percentiles')
          .addSelect(`max(${LATENCY_MS})`, 'maxMs')
          .getRawOne<{
            total: number;
            distinctRequestIds: number;
            latencyCount: number;
            minMs: number | null;
            percentiles: number[] | null;
            maxMs: number | null;
          }>(),
      ),
      this.onReplica((runner) =>
        this.filtered(enterpriseId, filter, runner)
          .select('c.status', 'status')
          .addSelect('count(*)::int', 'count')
          .groupBy('c.status')
          .orderBy('c.status', 'ASC', 'NULLS LAST')
          .getRawMany<{ status: number | null; count: number }>(),
      ),
    ]);
    return {
      total: totals?.total ?? 0,
      distinctRequestIds: totals?.distinctRequestIds ?? 0,
      byStatus,
      latency: {
        count: totals?.latencyCount ?? 0,
        minMs: roundedOrNull(totals?.minMs),
        medianMs: roundedOrNull(totals?.percentiles?.[0]),
        p95Ms: roundedOrNull(totals?.percentiles?.[1]),
        maxMs: roundedOrNull(totals?.maxMs),
      },
      approximate: false,
    };
  }

  private onReplica<T>(read: (runner: QueryRunner) => Promise<T>): Promise<T> {
    return onReplica(this.callbacks.manager.connection, read);
  }

  private filtered(
    enterpriseId: string,
    filter: SmsCallbackFilter,
    runner: QueryRunner,
  ): SelectQueryBuilder<SmsCallback> {
    const query = this.callbacks
      .createQueryBuilder('c', runner)
      .where('c.enterprise_id = :enterpriseId', { enterpriseId });
    const conditions: Array<[unknown, string]> = [
      [filter.msisdn, 'c.msisdn_normalized = :msisdn'],
      [filter.requestId, 'c.request_id = :requestId'],
      [filter.referentId, 'c.referent_id = :referentId'],
      [filter.status, 'c.status = :status'],
      [filter.from, 'c.received_at >= :from'],
      [filter.to, 'c.received_at < :to'],
      [filter.sentFrom, 'c.send_time_at >= :sentFrom'],
      [filter.sentTo, 'c.send_time_at < :sentTo'],
    ];
    for (const [value, condition] of conditions) {
      if (value !== undefined) {
        query.andWhere(condition, filter);
      }
    }
    return query;
  }
}

/** The id of the outbox row written with a callback (when there is an outbox). */
interface OutboxId {
  outboxId?: string;
}

/**
 * The insert, and an outbox row per row it inserted, in one statement: a data-modifying CTE commits both or
 * neither, in the insert's round trip. The rows are leased for `leaseMs` (the parameter's number) from the
 * statement's start, unless it is 0, and each callback comes back with its row's id.
 */
function withOutboxRows(insert: string, outboxTable: string, leaseMs: string): string {
  return `WITH inserted AS (${insert}),
       outboxed AS (INSERT INTO ${outboxTable} (callback_id, callback_received_at, callback_send_time_at, claimed_until)
                    SELECT "id", "receivedAt", "sendTimeAt",
                           CASE WHEN ${leaseMs}::int > 0 THEN now() + ${leaseMs}::int * interval '1 millisecond' END
                      FROM inserted
                    RETURNING id, callback_id)
     SELECT inserted.*, outboxed.id AS "outboxId" FROM inserted JOIN outboxed ON outboxed.callback_id = inserted."id"`;
}
