import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { SmsCallback } from './sms-callback.entity';

export type NewSmsCallback = Omit<SmsCallback, 'id' | 'receivedAt' | 'license'>;

export interface SmsCallbackFilter {
  msisdn?: string;
  requestId?: string;
  referentId?: string;
  status?: number;
  from?: Date;
  to?: Date;
}

/** The columns a caller reads back: everything but the raw body and the replay key. */
const RETURNED_COLUMNS =
  'id, enterprise_id, license_id, received_at, msisdn, request_id, send_time, response_time_telco, status, referent_id, retry_count';

const RETURNED_PROPERTIES = [
  'id',
  'enterpriseId',
  'licenseId',
  'receivedAt',
  'msisdn',
  'requestId',
  'sendTime',
  'responseTimeTelco',
  'status',
  'referentId',
  'retryCount',
] as const;

interface Row {
  id: string;
  enterprise_id: string;
  license_id: string;
  received_at: Date;
  msisdn: string;
  request_id: string;
  send_time: string;
  response_time_telco: string | null;
  status: number | null;
  referent_id: string;
  retry_count: number;
}

export type StoredSmsCallback = Omit<SmsCallback, 'license' | 'replayKey' | 'rawBody'>;

/** Queries on `sms_callbacks`, nothing else. */
@Injectable()
export class SmsCallbackRepository {
  constructor(@InjectRepository(SmsCallback) private readonly callbacks: Repository<SmsCallback>) {}

  /**
   * Inserts the callback unless the enterprise already has one with the same replay key. Returns the
   * new row, or `undefined` when it was a replay. The statement commits on its own (autocommit): when it
   * returns, the row is durable.
   */
  async insertUnlessReplay(callback: NewSmsCallback): Promise<StoredSmsCallback | undefined> {
    const rows: Row[] = await this.callbacks.query(
      `INSERT INTO sms_callbacks
         (enterprise_id, license_id, msisdn, request_id, send_time, response_time_telco, status, referent_id,
          retry_count, replay_key, raw_body)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (enterprise_id, replay_key) DO NOTHING
       RETURNING ${RETURNED_COLUMNS}`,
      [
        callback.enterpriseId,
        callback.licenseId,
        callback.msisdn,
        callback.requestId,
        callback.sendTime,
        callback.responseTimeTelco,
        callback.status,
        callback.referentId,
        callback.retryCount,
        callback.replayKey,
        JSON.stringify(callback.rawBody),
      ],
    );
    return rows.length > 0 ? fromRow(rows[0]) : undefined;
  }

  async findByReplayKey(enterpriseId: string, replayKey: Buffer): Promise<StoredSmsCallback | undefined> {
    const rows: Row[] = await this.callbacks.query(
      `SELECT ${RETURNED_COLUMNS} FROM sms_callbacks WHERE enterprise_id = $1 AND replay_key = $2`,
      [enterpriseId, replayKey],
    );
    return rows.length > 0 ? fromRow(rows[0]) : undefined;
  }

  async findById(enterpriseId: string, id: string): Promise<StoredSmsCallback | undefined> {
    const rows: Row[] = await this.callbacks.query(
      `SELECT ${RETURNED_COLUMNS} FROM sms_callbacks WHERE enterprise_id = $1 AND id = $2`,
      [enterpriseId, id],
    );
    return rows.length > 0 ? fromRow(rows[0]) : undefined;
  }

  /** One page, newest first, and the total that matches. */
  async findPage(
    enterpriseId: string,
    filter: SmsCallbackFilter,
    offset: number,
    limit: number,
  ): Promise<[StoredSmsCallback[], number]> {
    const query = this.callbacks
      .createQueryBuilder('c')
      .select(RETURNED_PROPERTIES.map((property) => `c.${property}`))
      .where('c.enterprise_id = :enterpriseId', { enterpriseId });
    if (filter.msisdn !== undefined) {
      query.andWhere('c.msisdn = :msisdn', { msisdn: filter.msisdn });
    }
    if (filter.requestId !== undefined) {
      query.andWhere('c.request_id = :requestId', { requestId: filter.requestId });
    }
    if (filter.referentId !== undefined) {
      query.andWhere('c.referent_id = :referentId', { referentId: filter.referentId });
    }
    if (filter.status !== undefined) {
      query.andWhere('c.status = :status', { status: filter.status });
    }
    if (filter.from) {
      query.andWhere('c.received_at >= :from', { from: filter.from });
    }
    if (filter.to) {
      query.andWhere('c.received_at < :to', { to: filter.to });
    }
    const [items, total] = await query
      .orderBy('c.received_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .offset(offset)
      .limit(limit)
      .getManyAndCount();
    return [items, total];
  }
}

function fromRow(row: Row): StoredSmsCallback {
  return {
    id: row.id,
    enterpriseId: row.enterprise_id,
    licenseId: row.license_id,
    receivedAt: row.received_at,
    msisdn: row.msisdn,
    requestId: row.request_id,
    sendTime: row.send_time,
    responseTimeTelco: row.response_time_telco,
    status: row.status,
    referentId: row.referent_id,
    retryCount: row.retry_count,
  };
}
