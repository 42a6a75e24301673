import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { registerValidationFastPath } from '../../common/pipes/validation-fast-path';
import { integerStringToNumber } from '../../common/transforms';

export const MSISDN_MAX_LENGTH = 32;
export const ID_MAX_LENGTH = 255;
export const TIME_MAX_LENGTH = 64;
export const INT32_MAX = 2_147_483_647;
export const INT32_MIN = -2_147_483_648;
/** Validators are listed last-checked first: with stopAtFirstError, a missing field says only this. */
const REQUIRED = '$property is required';

/**
 * The body of `POST /api/vendor/v1/sms/callback`: exactly the seven fields of the published spec,
 * case-sensitive. Other fields are accepted and kept in the stored raw body only.
 */
export class CreateSmsCallbackDto {
  @ApiProperty({
    description: 'The recipient phone number the SMS was sent to.',
    example: '84912345678',
    maxLength: MSISDN_MAX_LENGTH,
  })
  @MaxLength(MSISDN_MAX_LENGTH)
  @IsNotEmpty()
  @IsString()
  @IsDefined({ message: REQUIRED })
  msisdn: string;

  @ApiProperty({
    description: 'Id of the send request the report is about.',
    example: 'req-20250501-000123',
    maxLength: ID_MAX_LENGTH,
  })
  @MaxLength(ID_MAX_LENGTH)
  @IsNotEmpty()
  @IsString()
  @IsDefined({ message: REQUIRED })
  requestId: string;

  @ApiProperty({
    description: 'When the SMS was sent: a timestamp in a string, as the vendor writes it.',
    example: '2025-05-01 17:15:30',
    maxLength: TIME_MAX_LENGTH,
  })
  @MaxLength(TIME_MAX_LENGTH)
  @IsNotEmpty()
  @IsString()
  @IsDefined({ message: REQUIRED })
  sendTime: string;

  @ApiPropertyOptional({
    description: 'When the telco answered: a timestamp in a string, as the vendor writes it.',
    example: '2025-05-01 17:15:32',
    maxLength: TIME_MAX_LENGTH,
    nullable: true,
  })
  @MaxLength(TIME_MAX_LENGTH)
  @IsString()
  @IsOptional()
  responseTimeTelco?: string | null;

  @ApiPropertyOptional({
    description:
      'The vendor\'s delivery status code for the SMS (an integer; a numeric string such as "0" is accepted).',
    example: 0,
    type: 'integer',
    nullable: true,
  })
  @Max(INT32_MAX)
  @Min(INT32_MIN)
  @IsInt()
  @IsOptional()
  @Transform(integerStringToNumber)
  status?: number | null;

  @ApiProperty({
    description: "The reference id that ties the report to the platform's / enterprise's message.",
    example: 'msg-7f3a9c',
    maxLength: ID_MAX_LENGTH,
  })
  @MaxLength(ID_MAX_LENGTH)
  @IsNotEmpty()
  @IsString()
  @IsDefined({ message: REQUIRED })
  referentId: string;

  @ApiProperty({
    description: 'How many retries were made: an integer >= 0 (a numeric string such as "1" is accepted).',
    example: 0,
    type: 'integer',
    minimum: 0,
  })
  @Max(INT32_MAX)
  @Min(0)
  @IsInt()
  @IsDefined({ message: REQUIRED })
  @Transform(integerStringToNumber)
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
