import { Body, Controller, Get, HttpStatus, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../common/api-error';
import { Page, TOTAL_CAPPED_HEADER } from '../common/envelope';
import {
  ApiCommonErrors,
  ApiEnvelopeError,
  ApiEnvelopeResponse,
  ApiJsonBodyErrors,
} from '../common/swagger/envelope.schema';
import { ApiKeyAuth, CurrentLicense } from '../license/api-key-auth.decorator';
import type { LicenseContext } from '../license/license-context';
import { SmsCallbackBodyPipe, type ValidSmsCallback } from './callback-validator';
import { CreateSmsCallbackDto } from './dto/create-sms-callback.dto';
import { ListSmsCallbacksQuery, SmsCallbackFilterQuery } from './dto/list-sms-callbacks.query';
import { SmsCallbackStatsDto } from './dto/sms-callback-stats.dto';
import { SmsCallbackDto } from './dto/sms-callback.dto';
import { SmsCallbackService } from './sms-callback.service';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** `:id` must be a UUID: 400 in the envelope otherwise. */
function uuidParam(): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () => ApiError.field(HttpStatus.BAD_REQUEST, 'id', 'isUuid', 'id must be a UUID.'),
  });
}

@ApiTags('SMS callback')
@ApiKeyAuth()
@ApiCommonErrors()
@Controller('api/vendor/v1/sms/callback')
export class SmsCallbackController {
  constructor(private readonly callbacks: SmsCallbackService) {}

  @Post()
  @ApiOperation({
    summary: 'Report what happened to an SMS (a delivery report)',
    description:
      'Stores the report for the enterprise of the API-KEY. 201: stored now. 200 with `Idempotent-Replayed: true`: ' +
      'an identical report was already stored, nothing new was stored. Any other answer: nothing was stored, ' +
      'send it again (a retry never stores twice).',
  })
  @ApiBody({ type: CreateSmsCallbackDto })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.CREATED, { description: 'Stored (committed).' })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.OK, {
    description: 'An exact replay of a stored callback: nothing new stored; `data` is the stored record.',
    headers: { [REPLAYED_HEADER]: { description: '`true` on a replay.', schema: { type: 'string' } } },
  })
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'Malformed JSON, a missing or invalid field, a wrong type.',
    message: 'Validation failed: msisdn, retryCount.',
    errors: {
      msisdn: { isNotEmpty: 'msisdn should not be empty' },
      retryCount: { min: 'retryCount must not be less than 0' },
    },
  })
  @ApiJsonBodyErrors()
  async create(
    @CurrentLicense() license: LicenseContext,
    @Body(SmsCallbackBodyPipe) body: ValidSmsCallback,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SmsCallbackDto> {
    const { callback, replayed } = await this.callbacks.store(license, body);
    if (replayed) {
      response.status(HttpStatus.OK).setHeader(REPLAYED_HEADER, 'true');
    }
    return callback;
  }

  @Get()
  @ApiOperation({
    summary: "A page of the enterprise's callbacks, newest first",
    description:
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
  @ApiOperation({ summary: 'One stored callback of the enterprise' })
  @ApiEnvelopeResponse(SmsCallbackDto, HttpStatus.OK)
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
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
