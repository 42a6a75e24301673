import { Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiContract } from '../common/api-contract.decorator';
import { uuidParam } from '../common/pipes/uuid-param';
import { JsonBody } from '../common/body/json-body.guard';
import { RawJsonBody } from '../common/body/raw-json-body.decorator';
import { Page, TOTAL_CAPPED_HEADER } from '../common/envelope';
import { ApiCommonErrors, ApiEnvelopeError, ApiEnvelopeResponse } from '../common/swagger/envelope.schema';
import { ApiKeyAuth, CurrentLicense } from '../license/api-key-auth.decorator';
import type { LicenseContext } from '../license/license-context';
import { SmsCallbackBodyPipe, type ValidSmsCallback } from './callback-validator';
import { CreateSmsCallbackDto } from './dto/create-sms-callback.dto';
import { ListSmsCallbacksQuery, SmsCallbackFilterQuery } from './dto/list-sms-callbacks.query';
import { SmsCallbackStatsDto } from './dto/sms-callback-stats.dto';
import { SmsCallbackDto } from './dto/sms-callback.dto';
import { SmsCallbackService } from './sms-callback.service';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

export const CALLBACK_PATH = 'api/vendor/v1/sms/callback';
export const CALLBACK_EXAMPLE_NAME = 'A delivery report';

/** The example body of the POST; `/docs` gives each reader a requestId of their own (see swagger.ts). */
export const CALLBACK_EXAMPLE = {
  msisdn: '84912345678',
  requestId: 'req-20250501-000123',
  sendTime: '2025-05-01 17:15:30',
  responseTimeTelco: '2025-05-01 17:15:32',
  status: 0,
  referentId: 'msg-7f3a9c',
  retryCount: 0,
};

const POST_DESCRIPTION = [
  'Stores the report for the enterprise of the API-KEY, and answers only once it is committed.',
  '',
  '**What the answer means.** `201`: stored now. `200` with `Idempotent-Replayed: true`: an identical report ' +
    'was already stored, nothing new was stored (also a success). Any other answer: nothing was stored; send ' +
    'it again (after `Retry-After` when there is one). A 2xx means the report will not be lost.',
  '',
  '**The replay rule.** A report whose seven values equal one the enterprise already stored (with any of its ' +
    'keys) is a replay: sending again never stores twice, so a vendor may always retry. Values are compared ' +
    'normalised: the phone number in international digits, the times as instants, `"3"` as 3, absent as null; ' +
    'fields outside the seven do not count. Any difference in the seven (another `retryCount`, another ' +
    '`status`) is a new report.',
  '',
  '**Times** (`sendTime`, `responseTimeTelco`): see the fields below; a time without `Z` or an offset is read ' +
    "in the service's CALLBACK_TIMEZONE. **status** is the vendor's own code, stored as sent.",
  '',
  '**Try it out** from this page: the example has a requestId of its own for each page load, so the first ' +
    '*Execute* stores a new callback (201) and executing it again shows a replay (200).',
].join('\n');

@ApiTags('SMS callback')
@ApiContract()
@ApiKeyAuth()
@ApiCommonErrors()
@Controller(CALLBACK_PATH)
export class SmsCallbackController {
  constructor(private readonly callbacks: SmsCallbackService) {}

  @Post()
  @ApiOperation({
    summary: 'Report what happened to an SMS (a delivery report)',
    description: POST_DESCRIPTION,
  })
  @ApiBody({ type: CreateSmsCallbackDto, examples: { [CALLBACK_EXAMPLE_NAME]: { value: CALLBACK_EXAMPLE } } })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.CREATED, {
    description: 'Stored now (committed): the callback will not be lost. `data` is the stored record.',
  })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.OK, {
    description:
      'A replay: an identical report was already stored (see the replay rule); nothing new was stored. ' +
      '`data` is the record stored the first time. Also a success: do not send it again.',
    headers: {
      [REPLAYED_HEADER]: {
        description: '`true` on a replay.',
        required: true,
        schema: { type: 'string', enum: ['true'] },
      },
    },
  })
  @ApiEnvelopeError(HttpStatus.NOT_FOUND, {
    description: 'No such route: check the path (spelling, version `v1`). Nothing was stored.',
    message: 'No route POST /api/vendor/v2/sms/callback.',
  })
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description:
      'Malformed JSON, or fields that break the rules: `errors` names every bad field at once, each with what ' +
      'is accepted. Nothing was stored: fix the fields and send again.',
    message: 'Validation failed: sendTime, status, retryCount.',
    errors: {
      sendTime: { isVendorTime: 'sendTime "2025-02-30 10:00:00" is not a real time: 2025-02 has no day 30.' },
      status: {
        isInt:
          'status must be an integer from -2147483648 to 2147483647, or null, e.g. 0 (digits in a string, "1", are read as a number).',
      },
      retryCount: { min: 'retryCount is too small: it must be an integer from 0 to 2147483647.' },
    },
  })
  @JsonBody()
  async create(
    @CurrentLicense() license: LicenseContext,
    @RawJsonBody(SmsCallbackBodyPipe) body: ValidSmsCallback,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SmsCallbackDto> {
    const { callback, replayed } = await this.callbacks.storeValid(license, body);
    if (replayed) {
      response.status(HttpStatus.OK).setHeader(REPLAYED_HEADER, 'true');
    }
    return callback;
  }

  @Get()
  @ApiOperation({
    summary: "A page of the enterprise's callbacks, newest first",
    description:
      'The callbacks stored for the enterprise of the API-KEY (any of its keys), newest first by `receivedAt` ' +
      '(or by the parsed `sendTime` with `orderBy=sendTime`), filtered by the parameters given. ' +
      '`current_page` is the page returned; ' +
      '`total_record` counts the matching callbacks up to 10,000; past that it is 10,000 and the header ' +
      '`Total-Record-Capped: true` says that more match (narrow the filters, e.g. `sentFrom`/`sentTo`, to count them). ' +
      'Filters on the send time (`sentFrom`/`sentTo`) read only the days asked for.',
  })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.OK, {
    isArray: true,
    headers: {
      [TOTAL_CAPPED_HEADER]: {
        description: '`true` when more callbacks match than `total_record` (10,000) says.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'A query parameter out of its range or form; `errors` names each.',
    message: 'Validation failed: limit.',
    errors: { limit: { max: 'limit must not be greater than 100' } },
  })
  list(
    @CurrentLicense() license: LicenseContext,
    @Query() query: ListSmsCallbacksQuery,
  ): Promise<Page<SmsCallbackDto>> {
    return this.callbacks.list(license.enterpriseId, query);
  }

  @Get('stats')
  @ApiOperation({
    summary: "Delivery statistics of the enterprise's callbacks",
    description:
      'Counts by `status`, distinct `requestId`s and telco latency (`responseTimeTelco - sendTime` on the parsed ' +
      'times: min, median, p95, max), over the callbacks that match the filters, computed by the database.',
  })
  @ApiEnvelopeResponse(SmsCallbackStatsDto, HttpStatus.OK)
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'A query parameter out of its range or form; `errors` names each.',
    message: 'Validation failed: sentFrom.',
    errors: { sentFrom: { isIso8601: 'sentFrom must be a valid ISO 8601 date string' } },
  })
  stats(
    @CurrentLicense() license: LicenseContext,
    @Query() query: SmsCallbackFilterQuery,
  ): Promise<SmsCallbackStatsDto> {
    return this.callbacks.stats(license.enterpriseId, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One stored callback of the enterprise',
    description: "The callback with this id (`data.id` of the POST's answer); 404 for another enterprise's.",
  })
  @ApiParam({ name: 'id', description: 'The callback id (`data.id` of the POST answer).', format: 'uuid' })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.OK)
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'The id is not a UUID.',
    message: 'id must be a UUID.',
    errors: { id: { isUuid: 'id must be a UUID.' } },
  })
  @ApiEnvelopeError(HttpStatus.NOT_FOUND, {
    description: "No such callback, or another enterprise's.",
    message: 'No callback 3f0e7a1c-5b2d-4c8e-9a6f-1d2e3f4a5b6c.',
    errors: { id: { exists: 'No callback 3f0e7a1c-5b2d-4c8e-9a6f-1d2e3f4a5b6c.' } },
  })
  get(@CurrentLicense() license: LicenseContext, @Param('id', uuidParam()) id: string): Promise<SmsCallbackDto> {
    return this.callbacks.get(license.enterpriseId, id);
  }
}
