import { IsStorableText } from '../../common/storable-text';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { LICENSE_STATUSES, type LicenseStatus } from '../license.entity';
import { ENTERPRISE_ID_MAX_LENGTH } from './create-license.dto';
import { PageQuery } from '../../common/dto/page.query';

/** Query of `GET /api/admin/v1/licenses`: a page of licenses, newest first. */
export class ListLicensesQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Only the licenses of this enterprise.',
    example: 'ent-42',
    maxLength: ENTERPRISE_ID_MAX_LENGTH,
  })
  @IsStorableText()
  @MaxLength(ENTERPRISE_ID_MAX_LENGTH)
  @IsString()
  @IsOptional()
  enterpriseId?: string;

  @ApiPropertyOptional({ description: 'Only licenses with this status.', enum: LICENSE_STATUSES })
  @IsIn(LICENSE_STATUSES)
  @IsOptional()
  status?: LicenseStatus;

  @ApiPropertyOptional({
    description: 'Only licenses that expire before this instant (ISO 8601), expired ones included.',
    example: '2026-01-01T00:00:00Z',
    format: 'date-time',
  })
  @IsISO8601({ strict: true })
  @IsOptional()
  expiringBefore?: string;
}
