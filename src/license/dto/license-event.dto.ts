import { ApiProperty } from '@nestjs/swagger';
import { LICENSE_EVENT_ACTIONS, type FieldChange, type LicenseEventAction } from '../license-event.entity';

/** One change of a license, from its audit trail. */
export class LicenseEventDto {
  @ApiProperty({ format: 'uuid', example: '0b6a4f0e-3c1d-4e2f-9a8b-7c6d5e4f3a2b' })
  id: string;

  @ApiProperty({ description: 'The license changed.', format: 'uuid', example: '7c9e6679-7425-40de-944b-e07fc1f90ae7' })
  licenseId: string;

  @ApiProperty({ description: 'What happened.', enum: LICENSE_EVENT_ACTIONS, example: 'suspended' })
  action: LicenseEventAction;

  @ApiProperty({
    description:
      'The fields the change touched, each `{ before, after }` (`before` is null on creation). ' +
      'A rotation also records `rotatedTo` on the old license.',
    type: 'object',
    additionalProperties: { type: 'object', properties: { before: {}, after: {} } },
    example: { status: { before: 'active', after: 'suspended' } },
  })
  changes: Record<string, FieldChange>;

  @ApiProperty({
    description: 'Who made it: `admin-api:<ADMIN_API_KEY_ID>`, `cli:<user>@<host>`, or `system`.',
    example: 'admin-api:portal',
  })
  actor: string;

  @ApiProperty({ format: 'date-time', example: '2025-05-01T17:15:30.123Z' })
  occurredAt: string;
}
