import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiExtraModels, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiContract } from '../common/api-contract.decorator';
import { JsonBody } from '../common/body/json-body.guard';
import { RawJsonBody } from '../common/body/raw-json-body.decorator';
import type { RawJson } from '../common/body/raw-json';
import { Page } from '../common/envelope';
import { ApiCommonErrors, ApiEnvelopeError, ApiEnvelopeResponse } from '../common/swagger/envelope.schema';
import { ApiKeyAuth, CurrentLicense } from '../license/api-key-auth.decorator';
import type { LicenseContext } from '../license/license-context';
import { RateLimitCountsItems } from '../license/rate-limit/license-items-rate-limit.guard';
import { MAX_BATCH_ITEMS, SmsCallbackBatchPipe } from './callback-batch.pipe';
import { CreateSmsCallbackDto } from './dto/create-sms-callback.dto';
import { SmsCallbackBatchItem } from './dto/sms-callback-batch-item.dto';
import { CALLBACK_EXAMPLE, CALLBACK_PATH } from './sms-callback.controller';
import { SmsCallbackOptions } from './sms-callback.options';
import { SmsCallbackService } from './sms-callback.service';

export const BATCH_EXAMPLE_NAME = 'Three delivery reports';

/** The example body: a new report, the same report again, and one with a bad field. */
export const BATCH_EXAMPLE = [
  CALLBACK_EXAMPLE,
  CALLBACK_EXAMPLE,
  { ...CALLBACK_EXAMPLE, referentId: 'msg-7f3a9d', sendTime: '2025-02-29 10:00:00' },
];

const STORED_EXAMPLE = {
  id: '3f0e7a1c-5b2d-4c8e-9a6f-1d2e3f4a5b6c',
  msisdn: '84912345678',
  msisdnNormalized: '84912345678',
  requestId: 'req-20250501-000123',
  sendTime: '2025-05-01 17:15:30',
  sendTimeUtc: '2025-05-01T10:15:30.000Z',
  responseTimeTelco: '2025-05-01 17:15:32',
  responseTimeTelcoUtc: '2025-05-01T10:15:32.000Z',
  status: 0,
  referentId: 'msg-7f3a9c',
  retryCount: 0,
  receivedAt: '2025-05-01T10:15:33.120Z',
};

const SEND_TIME_ERROR = 'sendTime "2025-02-29 10:00:00" is not a real time: 2025-02 has no day 29.';

const DESCRIPTION = [
  `Up to ${MAX_BATCH_ITEMS} delivery reports in one request: a JSON array of the single endpoint's bodies ` +
    '(`POST /api/vendor/v1/sms/callback`, whose rules apply to each item: validation, the replay rule, times).',
  '',
  "**The answer** is `200` with `data` an array in the request's order, one `{ index, code, data, errors }` per " +
    'item: `201` stored now (`data` the stored record), `200` a replay of a stored callback or of an identical ' +
    'earlier item of this batch (`data` the record stored the first time), `400` invalid (`errors` keyed by ' +
    "field as the single endpoint's; nothing stored for it: fix it and send it again). `total_record` is the " +
    'number of items. Every item answered 201 or 200 is committed before the answer.',
  '',
  '**All or nothing.** The valid items are committed together or not at all: any answer other than `200` ' +
    '(a bad array, 401/403/429, 503 ...) means nothing of the batch was stored; send it again (after ' +
    '`Retry-After` when there is one). Sending a batch again is always safe: what was stored comes back as `200`.',
  '',
  "**Rate limit.** Each item counts as one request against the license's requests per second.",
].join('\n');

/** `POST /api/vendor/v1/sms/callback/batch`: many delivery reports in one request. */
@ApiTags('SMS callback')
@ApiContract()
@ApiKeyAuth()
@ApiCommonErrors()
@ApiExtraModels(CreateSmsCallbackDto)
@Controller(CALLBACK_PATH)
export class SmsCallbackBatchController {
  constructor(private readonly callbacks: SmsCallbackService) {}

  @Post('batch')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: `Report up to ${MAX_BATCH_ITEMS} delivery reports at once (a batch)`,
    description: DESCRIPTION,
  })
  @ApiBody({
    schema: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_BATCH_ITEMS,
      items: { $ref: getSchemaPath(CreateSmsCallbackDto) },
    },
    examples: { [BATCH_EXAMPLE_NAME]: { value: BATCH_EXAMPLE } },
  })
  @ApiEnvelopeResponse(SmsCallbackBatchItem, HttpStatus.OK, {
    isArray: true,
    description: 'Every item answered in its place: `data[i].code` says what became of item i.',
    example: {
      code: 200,
      data: [
        { index: 0, code: 201, data: STORED_EXAMPLE, errors: null },
        { index: 1, code: 200, data: STORED_EXAMPLE, errors: null },
        { index: 2, code: 400, data: null, errors: { sendTime: { isVendorTime: SEND_TIME_ERROR } } },
      ],
      message: 'OK',
      errors: null,
      total_record: 3,
      current_page: 1,
    },
  })
  @ApiEnvelopeError(HttpStatus.BAD_REQUEST, {
    description: 'Malformed JSON, a body that is not a JSON array, or an empty array. Nothing was stored.',
    message: `The body must be a JSON array of 1 to ${MAX_BATCH_ITEMS} callbacks.`,
    errors: { body: { isArray: `The body must be a JSON array of 1 to ${MAX_BATCH_ITEMS} callbacks.` } },
  })
  @ApiEnvelopeError(HttpStatus.PAYLOAD_TOO_LARGE, {
    description: `More than ${MAX_BATCH_ITEMS} items, or a body over BATCH_BODY_LIMIT (1 MB by default). Nothing was stored: split the batch.`,
    message: `A batch carries at most ${MAX_BATCH_ITEMS} callbacks (received 1200): split it.`,
    errors: {
      body: { arrayMaxSize: `A batch carries at most ${MAX_BATCH_ITEMS} callbacks (received 1200): split it.` },
    },
  })
  // The guard of @ApiKeyAuth() reads the body (within its own limit), then counts its items.
  @RateLimitCountsItems(MAX_BATCH_ITEMS)
  @JsonBody((moduleRef) => moduleRef.get(SmsCallbackOptions, { strict: false }).batchBodyLimitBytes)
  async createMany(
    @CurrentLicense() license: LicenseContext,
    @RawJsonBody(SmsCallbackBatchPipe) items: RawJson[],
  ): Promise<Page<SmsCallbackBatchItem>> {
    const answers = await this.callbacks.storeBatch(license, items);
    return new Page(answers, answers.length, 1);
  }
}
