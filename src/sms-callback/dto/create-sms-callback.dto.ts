import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { registerValidationFastPath } from '../../common/pipes/validation-fast-path';
import { integerStringToNumber } from '../../common/transforms';
import { MSISDN_PATTERN } from '../normalization/msisdn';
import {
  TIME_FORMS_DOC,
  VENDOR_TIME_PATTERN,
  VENDOR_TIME_PATTERN_OR_EMPTY,
} from '../normalization/vendor-time-pattern';

export const MSISDN_MAX_LENGTH = 32;
export const ID_MAX_LENGTH = 255;
export const TIME_MAX_LENGTH = 64;
export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;

// The rules of a field are given in the order they are checked (class-validator checks a property's rules in
// the order they are registered): with stopAtFirstError, a field answers only the first rule it breaks.

/** A required string; each message says what to send instead. */
function RequiredString(field: string, maxLength: number, example: string): PropertyDecorator {
  const what = `a non-empty string of at most ${maxLength} characters, e.g. "${example}"`;
  return applyDecorators(
    IsDefined({ message: `${field} is required: ${what}.` }),
    IsString({ message: `${field} must be ${what}.` }),
    IsNotEmpty({ message: `${field} must not be empty: ${what}.` }),
    MaxLength(maxLength, { message: `${field} is too long: at most ${maxLength} characters.` }),
  );
}

/** An integer in [min, max]; a string of digits ("3") is read as the number. */
function IntegerIn(field: string, min: number, max: number, nullable: boolean): PropertyDecorator {
  const range = `an integer from ${min} to ${max}${nullable ? ', or null' : ''}`;
  return applyDecorators(
    Transform(integerStringToNumber),
    IsInt({ message: `${field} must be ${range}, e.g. 0 (digits in a string, "1", are read as a number).` }),
    Min(min, { message: `${field} is too small: it must be ${range}.` }),
    Max(max, { message: `${field} is too large: it must be ${range}.` }),
  );
}

/**
 * The body of `POST /api/vendor/v1/sms/callback`: exactly the seven fields of the published spec,
 * case-sensitive. Other fields are accepted and kept in the stored raw body only. The phone number and the
 * times are also read (see `SmsCallbackValidator`): a value of the right type that cannot be read is refused
 * in the same 400 as these rules.
 */
export class CreateSmsCallbackDto {
  @ApiProperty({
    description:
      'The recipient phone number the SMS was sent to, in any usual form: international digits ' +
      '(`84912345678`), with `+` or `00` (`+84 912 345 678`), or national (`0912345678`, read with the ' +
      "service's DEFAULT_COUNTRY_CODE, 84 by default). Spaces, dots, dashes and parentheses are ignored. " +
      'Stored as sent; `msisdnNormalized` in the answer is the number in international digits.',
    example: '84912345678',
    minLength: 1,
    maxLength: MSISDN_MAX_LENGTH,
    pattern: MSISDN_PATTERN,
  })
  @RequiredString('msisdn', MSISDN_MAX_LENGTH, '84912345678')
  msisdn: string;

  @ApiProperty({
    description:
      'Id of the send request the report is about. Stored as sent (no trimming). Part of what makes a ' +
      'report unique: see the replay rule of this operation.',
    example: 'req-20250501-000123',
    minLength: 1,
    maxLength: ID_MAX_LENGTH,
  })
  @RequiredString('requestId', ID_MAX_LENGTH, 'req-20250501-000123')
  requestId: string;

  @ApiProperty({
    description: `When the SMS was sent, as the vendor's clock wrote it. ${TIME_FORMS_DOC}`,
    example: '2025-05-01 17:15:30',
    minLength: 1,
    maxLength: TIME_MAX_LENGTH,
    pattern: VENDOR_TIME_PATTERN,
  })
  @RequiredString('sendTime', TIME_MAX_LENGTH, '2025-05-01 17:15:30')
  sendTime: string;

  @ApiPropertyOptional({
    description:
      `When the telco answered, as the vendor's clock wrote it; absent, null or "" when unknown. ` +
      `Same forms and zone rule as \`sendTime\`.`,
    example: '2025-05-01 17:15:32',
    maxLength: TIME_MAX_LENGTH,
    pattern: VENDOR_TIME_PATTERN_OR_EMPTY,
    type: String,
    nullable: true,
  })
  @MaxLength(TIME_MAX_LENGTH, { message: `responseTimeTelco is too long: at most ${TIME_MAX_LENGTH} characters.` })
  @IsString({
    message: 'responseTimeTelco must be a string such as "2025-05-01 17:15:32", or null, or left out.',
  })
  @IsOptional()
  responseTimeTelco?: string | null;

  @ApiPropertyOptional({
    description:
      "The vendor's own delivery status code for the SMS, stored as sent: the service gives it no meaning " +
      '(the published spec defines no values; ask the vendor for theirs, e.g. 0 = delivered for many). ' +
      'A 32-bit integer, or null / absent when the vendor has none. A string of digits such as `"0"` is read ' +
      'as the number.',
    example: 0,
    type: 'integer',
    format: 'int32',
    minimum: INT32_MIN,
    maximum: INT32_MAX,
    nullable: true,
  })
  @IntegerIn('status', INT32_MIN, INT32_MAX, true)
  @IsOptional()
  status?: number | null;

  @ApiProperty({
    description:
      "The reference id that ties the report to the platform's / enterprise's message. Stored as sent " +
      '(no trimming).',
    example: 'msg-7f3a9c',
    minLength: 1,
    maxLength: ID_MAX_LENGTH,
  })
  @RequiredString('referentId', ID_MAX_LENGTH, 'msg-7f3a9c')
  referentId: string;

  @ApiProperty({
    description:
      'How many times the vendor retried delivering the SMS: an integer from 0. A string of digits such as ' +
      '`"1"` is read as the number.',
    example: 0,
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: INT32_MAX,
  })
  @IntegerIn('retryCount', 0, INT32_MAX, false)
  @IsDefined({ message: 'retryCount is required: an integer from 0, e.g. 0.' })
  retryCount: number;
}

const REQUIRED_STRINGS = [
  ['msisdn', MSISDN_MAX_LENGTH],
  ['requestId', ID_MAX_LENGTH],
  ['sendTime', TIME_MAX_LENGTH],
  ['referentId', ID_MAX_LENGTH],
] as const;

/** A string of at least `min` and at most `max` UTF-16 units (class-validator counts characters: fewer). */
function isShortString(value: unknown, min: number, max: number): value is string {
  return typeof value === 'string' && value.length >= min && value.length <= max;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

const has = (body: Record<string, unknown>, key: string): boolean => Object.prototype.hasOwnProperty.call(body, key);

/**
 * The callback body as the ValidationPipe would give it, when it is plainly valid: the four required
 * strings non-empty and within their lengths, `responseTimeTelco` absent, null or a string within its
 * length, `status` absent, null or a 32-bit integer, `retryCount` an integer from 0 to 2^31-1. Anything
 * else (a numeric string to convert, a missing field, a wrong type, a string near its limit) goes through
 * class-validator, which says what is wrong. A property test holds the two paths to the same result.
 */
export function plainlyValidSmsCallback(body: Record<string, unknown>): CreateSmsCallbackDto | undefined {
  for (const [field, max] of REQUIRED_STRINGS) {
    if (!isShortString(body[field], 1, max)) {
      return undefined;
    }
  }
  const hasTelco = has(body, 'responseTimeTelco');
  const hasStatus = has(body, 'status');
  if (
    (hasTelco && body.responseTimeTelco !== null && !isShortString(body.responseTimeTelco, 0, TIME_MAX_LENGTH)) ||
    (hasStatus && body.status !== null && !isIntIn(body.status, INT32_MIN, INT32_MAX)) ||
    !isIntIn(body.retryCount, 0, INT32_MAX)
  ) {
    return undefined;
  }
  const dto = new CreateSmsCallbackDto();
  dto.msisdn = body.msisdn as string;
  dto.requestId = body.requestId as string;
  dto.sendTime = body.sendTime as string;
  if (hasTelco) {
    dto.responseTimeTelco = body.responseTimeTelco as string | null;
  }
  if (hasStatus) {
    dto.status = body.status as number | null;
  }
  dto.referentId = body.referentId as string;
  dto.retryCount = body.retryCount;
  return dto;
}

registerValidationFastPath(CreateSmsCallbackDto, plainlyValidSmsCallback);
