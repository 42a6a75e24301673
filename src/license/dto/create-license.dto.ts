import { IsStorableText } from '../../common/storable-text';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsIpOrCidr, MAX_ALLOWED_IPS } from '../ip-allow-list';

export const ENTERPRISE_ID_MAX_LENGTH = 64;
export const LABEL_MAX_LENGTH = 200;
export const MAX_RATE_LIMIT_PER_SECOND = 1_000_000;

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** Body of `POST /api/admin/v1/licenses`. */
export class CreateLicenseDto {
  @ApiProperty({
    description: 'The enterprise the license belongs to (surrounding spaces are dropped; not blank).',
    example: 'ent-42',
    minLength: 1,
    maxLength: ENTERPRISE_ID_MAX_LENGTH,
  })
  @IsStorableText()
  @MaxLength(ENTERPRISE_ID_MAX_LENGTH)
  @IsNotEmpty()
  @IsString()
  @Transform(trim)
  enterpriseId: string;

  @ApiPropertyOptional({
    description: 'A free text to tell licenses apart.',
    example: 'gateway A',
    maxLength: LABEL_MAX_LENGTH,
    nullable: true,
    type: String,
  })
  @IsStorableText()
  @MaxLength(LABEL_MAX_LENGTH)
  @IsString()
  @IsOptional()
  label?: string | null;

  @ApiPropertyOptional({
    description: 'The key works from this instant (ISO 8601). Default: now.',
    example: '2025-05-01T00:00:00Z',
    format: 'date-time',
  })
  @IsISO8601({ strict: true })
  @IsOptional()
  validFrom?: string;

  @ApiPropertyOptional({
    description: 'The key stops working at this instant (ISO 8601, after validFrom). Default / null: never.',
    example: '2026-05-01T00:00:00Z',
    format: 'date-time',
    nullable: true,
    type: String,
  })
  @IsISO8601({ strict: true })
  @IsOptional()
  expiresAt?: string | null;

  @ApiPropertyOptional({
    description: 'Requests per second the license may make. Default / null: the service default.',
    example: 50,
    minimum: 1,
    maximum: MAX_RATE_LIMIT_PER_SECOND,
    type: 'integer',
    nullable: true,
  })
  @Max(MAX_RATE_LIMIT_PER_SECOND)
  @Min(1)
  @IsInt()
  @IsOptional()
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({
    description: `Client addresses (IPs or CIDRs, at most ${MAX_ALLOWED_IPS}) the key may be used from. Default / empty: any.`,
    example: ['203.0.113.0/24', '2001:db8::1'],
    type: [String],
    maxItems: MAX_ALLOWED_IPS,
    nullable: true,
  })
  @IsIpOrCidr({ each: true })
  @ArrayMaxSize(MAX_ALLOWED_IPS)
  @IsArray()
  @IsOptional()
  allowedIps?: string[] | null;
}
