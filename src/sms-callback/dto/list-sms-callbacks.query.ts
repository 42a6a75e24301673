import { IsStorableText } from '../../common/storable-text';
import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { PageQuery } from '../../common/dto/page.query';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { integerStringToNumber } from '../../common/transforms';
import { ID_MAX_LENGTH, INT32_MAX, INT32_MIN, MSISDN_MAX_LENGTH } from './create-sms-callback.dto';

/** The filters shared by the list and the statistics. */
export class SmsCallbackFilterQuery {
  @ApiPropertyOptional({
    description: 'Only this recipient number, in any accepted form (`0912345678`, `+84 912 345 678`, `84912345678`).',
    example: '0912345678',
    maxLength: MSISDN_MAX_LENGTH,
  })
  @IsStorableText()
  @MaxLength(MSISDN_MAX_LENGTH)
  @IsString()
  @IsOptional()
  msisdn?: string;

  @ApiPropertyOptional({ description: 'Only this send request id (exact).', maxLength: ID_MAX_LENGTH })
  @IsStorableText()
  @MaxLength(ID_MAX_LENGTH)
  @IsString()
  @IsOptional()
  requestId?: string;

  @ApiPropertyOptional({ description: 'Only this message reference (exact).', maxLength: ID_MAX_LENGTH })
  @IsStorableText()
  @MaxLength(ID_MAX_LENGTH)
  @IsString()
  @IsOptional()
  referentId?: string;

  @ApiPropertyOptional({
    description: 'Only this delivery status code.',
    type: 'integer',
    format: 'int32',
    minimum: INT32_MIN,
    maximum: INT32_MAX,
  })
  @Max(INT32_MAX)
  @Min(INT32_MIN)
  @IsInt()
  @IsOptional()
  @Transform(integerStringToNumber)
  status?: number;

  @ApiPropertyOptional({
    description: 'Received at or after this instant (ISO 8601).',
    example: '2025-05-01T00:00:00Z',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({
    description: 'Received before this instant (ISO 8601, exclusive).',
    example: '2025-05-02T00:00:00Z',
    format: 'date-time',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({
    description: 'Sent (the parsed `sendTime`) at or after this instant (ISO 8601).',
    example: '2025-05-01T00:00:00+07:00',
    format: 'date-time',
  })
  @IsISO8601({ strict: true })
  @IsOptional()
  sentFrom?: string;

  @ApiPropertyOptional({
    description: 'Sent (the parsed `sendTime`) before this instant (ISO 8601, exclusive).',
    example: '2025-05-02T00:00:00+07:00',
    format: 'date-time',
  })
  @IsISO8601({ strict: true })
  @IsOptional()
  sentTo?: string;
}

/** Query of `GET /api/vendor/v1/sms/callback`: a page of the enterprise's callbacks, newest first. */
export class ListSmsCallbacksQuery extends IntersectionType(SmsCallbackFilterQuery, PageQuery) {
  @ApiPropertyOptional({
    description: 'Newest first by the time received (`receivedAt`, default) or by the parsed send time (`sendTime`).',
    enum: ['receivedAt', 'sendTime'],
    default: 'receivedAt',
  })
  @IsIn(['receivedAt', 'sendTime'])
  @IsOptional()
  orderBy: 'receivedAt' | 'sendTime' = 'receivedAt';
}
