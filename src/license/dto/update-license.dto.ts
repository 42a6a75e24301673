import { IsStorableText } from '../../common/storable-text';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsISO8601, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { IsIpOrCidr, MAX_ALLOWED_IPS } from '../ip-allow-list';
import { LABEL_MAX_LENGTH, MAX_RATE_LIMIT_PER_SECOND } from './create-license.dto';

const present = (_object: object, value: unknown): boolean => value !== undefined;
const presentAndNotNull = (_object: object, value: unknown): boolean => value !== undefined && value !== null;

/** Body of `PATCH /api/admin/v1/licenses/:id`: the fields to change; a field left out stays as it is. */
export class UpdateLicenseDto {
  @ApiPropertyOptional({
    description: 'A free text; null clears it.',
    example: 'gateway B',
    maxLength: LABEL_MAX_LENGTH,
    nullable: true,
    type: String,
  })
  @IsStorableText()
  @MaxLength(LABEL_MAX_LENGTH)
  @IsString()
  @ValidateIf(presentAndNotNull)
  label?: string | null;

  @ApiPropertyOptional({
    description: 'The key works from this instant.',
    example: '2025-05-01T00:00:00Z',
    format: 'date-time',
  })
  @IsISO8601({ strict: true })
  @ValidateIf(present)
  validFrom?: string;

  @ApiPropertyOptional({
    description: 'The key stops working at this instant; null: never.',
    example: '2026-05-01T00:00:00Z',
    format: 'date-time',
    nullable: true,
    type: String,
  })
  @IsISO8601({ strict: true })
  @ValidateIf(presentAndNotNull)
  expiresAt?: string | null;

  @ApiPropertyOptional({
    description: 'Requests per second; null: the service default.',
    example: 100,
    minimum: 1,
    maximum: MAX_RATE_LIMIT_PER_SECOND,
    type: 'integer',
    nullable: true,
  })
  @Max(MAX_RATE_LIMIT_PER_SECOND)
  @Min(1)
  @IsInt()
  @ValidateIf(presentAndNotNull)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({
    description: 'Client addresses (IPs or CIDRs) the key may be used from; empty or null: any.',
    example: ['203.0.113.0/24'],
    type: [String],
    maxItems: MAX_ALLOWED_IPS,
    nullable: true,
  })
  @IsIpOrCidr({ each: true })
  @ArrayMaxSize(MAX_ALLOWED_IPS)
  @IsArray()
  @ValidateIf(presentAndNotNull)
  allowedIps?: string[] | null;
}
