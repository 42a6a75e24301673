import { ApiProperty } from '@nestjs/swagger';
import { LICENSE_STATUSES, type LicenseStatus } from '../license.entity';

export const LICENSE_STATES = ['active', 'suspended', 'revoked', 'expired', 'not_yet_valid'] as const;
/** Whether the key may call the API now, and if not why: the status, then the validity dates. */
export type LicenseState = (typeof LICENSE_STATES)[number];

const EXAMPLE_ID = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** A license as the admin API shows it: never its key, never the key's hash. */
export class LicenseDto {
  @ApiProperty({ description: 'Id of the license.', format: 'uuid', example: EXAMPLE_ID })
  id: string;

  @ApiProperty({ description: 'The enterprise the license belongs to.', example: 'ent-42' })
  enterpriseId: string;

  @ApiProperty({
    description: 'A free text to tell licenses apart.',
    example: 'gateway A',
    nullable: true,
    type: String,
  })
  label: string | null;

  @ApiProperty({
    description: 'The first characters of the key, to recognise it. Not enough to use it.',
    example: 'smscb_Hq3v9XbA',
  })
  keyPrefix: string;

  @ApiProperty({ description: 'The status set by an admin. `revoked` is final.', enum: LICENSE_STATUSES })
  status: LicenseStatus;

  @ApiProperty({
    description:
      'Whether the key may call the API now: `active`, or why not (`suspended`, `revoked`, `expired`, `not_yet_valid`).',
    enum: LICENSE_STATES,
    example: 'active',
  })
  state: LicenseState;

  @ApiProperty({
    description: 'The key works from this instant.',
    format: 'date-time',
    example: '2025-05-01T00:00:00.000Z',
  })
  validFrom: string;

  @ApiProperty({
    description: 'The key stops working at this instant; null: never.',
    format: 'date-time',
    example: '2026-05-01T00:00:00.000Z',
    nullable: true,
    type: String,
  })
  expiresAt: string | null;

  @ApiProperty({
    description: 'Requests per second set for this license; null: the service default.',
    example: 50,
    nullable: true,
    type: 'integer',
  })
  rateLimitPerSecond: number | null;

  @ApiProperty({
    description: 'Requests per second this license may make now (its own limit or the default); null: no limit.',
    example: 50,
    nullable: true,
    type: 'integer',
  })
  effectiveRateLimitPerSecond: number | null;

  @ApiProperty({
    description: 'The client addresses (IPs or CIDRs) the key may be used from; empty: any.',
    example: ['203.0.113.0/24', '2001:db8::1'],
    type: [String],
  })
  allowedIps: string[];

  @ApiProperty({
    description: 'The license this one replaced by a rotation; null for one created directly.',
    format: 'uuid',
    example: null,
    nullable: true,
    type: String,
  })
  rotatedFromId: string | null;

  @ApiProperty({
    description: 'Roughly when the key was last accepted (minute precision); null: never.',
    format: 'date-time',
    example: '2025-05-01T17:15:00.000Z',
    nullable: true,
    type: String,
  })
  lastUsedAt: string | null;

  @ApiProperty({ format: 'date-time', example: '2025-05-01T00:00:00.000Z' })
  createdAt: string;

  @ApiProperty({ format: 'date-time', example: '2025-05-01T00:00:00.000Z' })
  updatedAt: string;
}

/** A license just created, with its key: shown this once, never again. */
export class IssuedLicenseDto extends LicenseDto {
  @ApiProperty({
    description: 'The API-KEY. Returned once, in this response: the service keeps only its hash.',
    example: 'smscb_Hq3v9XbA0lS2mR1kq8yQ6cZkN8E0hJb7VtW4fXoYpUe',
  })
  apiKey: string;
}

/** The license a rotation issued (with its key, once), and the one it replaces. */
export class RotatedLicenseDto extends IssuedLicenseDto {
  @ApiProperty({
    description: 'The license rotated: its key keeps working until its `expiresAt` (the end of the overlap).',
    type: () => LicenseDto,
  })
  previous: LicenseDto;
}
