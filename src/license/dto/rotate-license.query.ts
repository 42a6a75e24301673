import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { integerStringToNumber } from '../../common/transforms';

export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600;
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 24 * 3600;

/** Query of `POST /api/admin/v1/licenses/:id/rotate` (no body needed). */
export class RotateLicenseQuery {
  @ApiPropertyOptional({
    description:
      'How long the old key keeps working beside the new one, in seconds; 0: it stops now. ' +
      'A rotation never extends an expiry the old license already had.',
    default: DEFAULT_ROTATION_OVERLAP_SECONDS,
    minimum: 0,
    maximum: MAX_ROTATION_OVERLAP_SECONDS,
    type: 'integer',
    example: 3600,
  })
  @Max(MAX_ROTATION_OVERLAP_SECONDS)
  @Min(0)
  @IsInt()
  @IsOptional()
  @Transform(integerStringToNumber)
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS;
}
