import { HttpStatus, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ApiError } from '../common/api-error';
import { Page } from '../common/envelope';
import type { LicenseContext } from '../license/license-context';
import { RawJson } from '../common/body/raw-json';
import { AppValidationPipe } from '../common/pipes/validation.pipe';
import { CallbackNormalizer } from './callback-normalizer';
import { CallbackWriter } from './callback-writer';
import { SmsCallbackValidator, type ValidSmsCallback } from './callback-validator';
import type { SmsCallbackBatchItem } from './dto/sms-callback-batch-item.dto';
import { ListSmsCallbacksQuery, type SmsCallbackFilterQuery } from './dto/list-sms-callbacks.query';
import type { SmsCallbackStatsDto } from './dto/sms-callback-stats.dto';
import type { SmsCallbackDto } from './dto/sms-callback.dto';
import { SMS_CALLBACK_BATCH_ANSWERED, SmsCallbackBatchAnsweredEvent } from './events/sms-callback-batch-answered.event';
import {
  SMS_CALLBACK_REPLAYED,
  SMS_CALLBACK_STORED,
  SmsCallbackReplayedEvent,
  SmsCallbackStoredEvent,
} from './events/sms-callback-stored.event';
import { replayKeyOf } from './replay-key';
import { NewSmsCallback, SmsCallbackFilter, SmsCallbackRepository, StoredSmsCallback } from './sms-callback.repository';
import { RolledStatsRepository } from './stats/rolled-stats.repository';

/**
 * `total_record` of a list counts the matching callbacks up to this many; past it the list answers this number
 * and the header `Total-Record-Capped: true` (counting all of tens of millions would take seconds).
 */
export const LIST_TOTAL_CAP = 10_000;

/** What `list` takes: every field optional (page 1, 20 a page, newest received first by default). */
export type SmsCallbackListOptions = Partial<ListSmsCallbacksQuery>;

export interface StoreResult {
  callback: SmsCallbackDto;
  /** True when an identical callback was already stored: nothing new was stored. */
  replayed: boolean;
}

@Injectable()
export class SmsCallbackService {
  private readonly logger = new Logger(SmsCallbackService.name);
  private readonly queryRules = new AppValidationPipe();

  constructor(
    private readonly callbacks: SmsCallbackRepository,
    private readonly rolledStats: RolledStatsRepository,
    private readonly writer: CallbackWriter,
    private readonly normalizer: CallbackNormalizer,
    private readonly validator: SmsCallbackValidator,
    // The host's EventEmitterModule; without one, `sms-callback.stored` reaches no one.
    @Optional() @Inject(EventEmitter2) private readonly events: EventEmitter2 | null = null,
  ) {}

  /**
   * Stores a delivery report (the vendor's body: the seven fields, others kept in the raw body) for the
   * license's enterprise, exactly as the vendor route does: validated (an `ApiError` 400 naming every bad
   * field), then stored once. `rawBody`, the body's exact text when there is one, is what is stored as the
   * raw body (else the body serialised). Resolves `{ callback, replayed }` once committed.
   */
  async store(license: LicenseContext, body: unknown, rawBody?: string): Promise<StoreResult> {
    const raw = rawBody === undefined ? undefined : new RawJson(rawBody, body);
    return this.storeValid(license, await this.validator.parse(body, raw));
  }

  /**
   * Stores a delivery report for the license's enterprise, exactly once: a callback whose seven values
   * (normalised: see `replayKeyOf`) equal a stored one of the same enterprise is a replay and returns the
   * stored record. Resolves only after the row is committed. The callback comes from
   * {@link SmsCallbackValidator} (`parse` or `validate` of the body).
   */
  async storeValid(license: LicenseContext, callback: ValidSmsCallback): Promise<StoreResult> {
    const { callback: row, replayed } = await this.writer.write(newRowOf(license, callback));
    return this.answered(license, row, replayed);
  }
  /**
   * Stores the items of a batch (see {@link SmsCallbackBatchItem}): each item is validated as the single
   * endpoint's body is; the valid ones are written as one group of the group commit, committed together or
   * not at all, before this resolves (a database failure rejects it: nothing new was stored). An item identical
   * to an earlier one of the batch is a replay of it. Answers in the items' order.
   */
  async storeBatch(license: LicenseContext, items: RawJson[]): Promise<SmsCallbackBatchItem[]> {
    const answers: SmsCallbackBatchItem[] = new Array(items.length);
    const valid: Array<{ index: number; row: NewSmsCallback }> = [];
    for (let index = 0; index < items.length; index++) {
      const result = await this.validator.validate(items[index].value, items[index]);
      if (result.errors) {
        answers[index] = { index, code: HttpStatus.BAD_REQUEST, data: null, errors: result.errors };
      } else {
        valid.push({ index, row: newRowOf(license, result.valid) });
      }
    }
    const written = await this.writer.writeAll(valid.map((item) => item.row));
    let replayed = 0;
    written.forEach((result, i) => {
      const { index } = valid[i];
      const { callback } = this.answered(license, result.callback, result.replayed);
      replayed += result.replayed ? 1 : 0;
      answers[index] = {
        index,
        code: result.replayed ? HttpStatus.OK : HttpStatus.CREATED,
        data: callback,
        errors: null,
      };
    });
    this.emit(
      SMS_CALLBACK_BATCH_ANSWERED,
      new SmsCallbackBatchAnsweredEvent(items.length, replayed, items.length - valid.length),
    );
    return answers;
  }

  /** The API's view of a written callback; a new one is announced (after its commit). */
  private answered(license: LicenseContext, row: StoredSmsCallback, replayed: boolean): StoreResult {
    const answer = toSmsCallbackDto(row);
    if (replayed) {
      this.emit(SMS_CALLBACK_REPLAYED, new SmsCallbackReplayedEvent(answer, license.enterpriseId, license.licenseId));
    } else {
      this.emit(SMS_CALLBACK_STORED, new SmsCallbackStoredEvent(answer, license.enterpriseId, license.licenseId));
    }
    return { callback: answer, replayed };
  }

  /**
   * A page of the enterprise's callbacks, newest first (`items`, `total`, `page`): the filters and paging of
   * the vendor `GET`, each optional; a value out of its range is an `ApiError` 400.
   */
  async list(enterpriseId: string, options: SmsCallbackListOptions = {}): Promise<Page<SmsCallbackDto>> {
    const query = await this.listQueryOf(options);
    const [rows, matching] = await this.callbacks.findPage(
      enterpriseId,
      this.filterOf(query),
      query.orderBy,
      (query.page - 1) * query.limit,
      query.limit,
      LIST_TOTAL_CAP,
    );
    const capped = matching > LIST_TOTAL_CAP;
    return new Page(rows.map(toSmsCallbackDto), capped ? LIST_TOTAL_CAP : matching, query.page, capped);
  }

  /** One callback of the enterprise; 404 when absent or another enterprise's. */
  async get(enterpriseId: string, id: string): Promise<SmsCallbackDto> {
    const found = await this.callbacks.findById(enterpriseId, id);
    if (!found) {
      throw ApiError.field(HttpStatus.NOT_FOUND, 'id', 'exists', `No callback ${id}.`);
    }
    return toSmsCallbackDto(found);
  }

  /**
   * From the hourly rollup when it covers a whole hour of the range and keeps the filters (send time, status), else
   * exactly over the callbacks. Counts, min and max are exact either way.
   */
  async stats(enterpriseId: string, query: SmsCallbackFilterQuery): Promise<SmsCallbackStatsDto> {
    const filter = this.filterOf(query);
    const stats =
      (await this.rolledStats.stats(enterpriseId, filter)) ?? (await this.callbacks.stats(enterpriseId, filter));
    return {
      total: stats.total,
      distinctRequestIds: stats.distinctRequestIds,
      byStatus: stats.byStatus,
      telcoLatency: stats.latency,
      approximate: stats.approximate,
    };
  }

  private async listQueryOf(options: SmsCallbackListOptions): Promise<ListSmsCallbacksQuery> {
    if (options instanceof ListSmsCallbacksQuery) {
      return options;
    }
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    return (await this.queryRules.transform(defined, {
      type: 'query',
      metatype: ListSmsCallbacksQuery,
    })) as ListSmsCallbacksQuery;
  }

  private filterOf(query: SmsCallbackFilterQuery): SmsCallbackFilter {
    const date = (value?: string) => (value === undefined ? undefined : new Date(value));
    return {
      msisdn: query.msisdn === undefined ? undefined : this.normalizer.msisdn(query.msisdn),
      requestId: query.requestId,
      referentId: query.referentId,
      status: query.status,
      from: date(query.from),
      to: date(query.to),
      sentFrom: date(query.sentFrom),
      sentTo: date(query.sentTo),
    };
  }

  private emit(name: string, event: object): void {
    try {
      this.events?.emit(name, event);
    } catch (err) {
      // The callback is stored: a failing subscriber must not turn that into an error for the vendor.
      this.logger.error(`A ${name} subscriber failed: ${(err as Error).message}`, (err as Error).stack);
    }
  }
}

/** The row to write for a valid callback of the license's enterprise, with its replay key. */
function newRowOf(license: LicenseContext, { dto, normalized, rawBody }: ValidSmsCallback): NewSmsCallback {
  const status = dto.status ?? null;
  return {
    enterpriseId: license.enterpriseId,
    licenseId: license.licenseId,
    msisdn: dto.msisdn,
    msisdnNormalized: normalized.msisdn,
    requestId: dto.requestId,
    sendTime: dto.sendTime,
    sendTimeAt: normalized.sendTime,
    responseTimeTelco: dto.responseTimeTelco ?? null,
    responseTimeTelcoAt: normalized.responseTimeTelco,
    status,
    referentId: dto.referentId,
    retryCount: dto.retryCount,
    replayKey: replayKeyOf({ ...dto, ...normalized, status }),
    rawBody: rawBody.text,
  };
}

/** A stored callback as the API returns it. */
export function toSmsCallbackDto(row: StoredSmsCallback): SmsCallbackDto {
  return {
    id: row.id,
    msisdn: row.msisdn,
    msisdnNormalized: row.msisdnNormalized,
    requestId: row.requestId,
    sendTime: row.sendTime,
    sendTimeUtc: row.sendTimeAt?.toISOString() ?? null,
    responseTimeTelco: row.responseTimeTelco,
    responseTimeTelcoUtc: row.responseTimeTelcoAt?.toISOString() ?? null,
    status: row.status,
    referentId: row.referentId,
    retryCount: row.retryCount,
    receivedAt: row.receivedAt.toISOString(),
  };
}
