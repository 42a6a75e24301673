import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { integerStringToNumber } from '../transforms';

export const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 1_000_000;

/** `page` and `limit` of every list: 1-based pages of at most MAX_PAGE_SIZE records. */
export class PageQuery {
  @ApiPropertyOptional({ description: 'The 1-based page.', default: 1, minimum: 1, maximum: MAX_PAGE, type: 'integer' })
  @Max(MAX_PAGE)
  @Min(1)
  @IsInt()
  @IsOptional()
  @Transform(integerStringToNumber)
  page = 1;

  @ApiPropertyOptional({
    description: 'Records per page.',
    default: 20,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    type: 'integer',
  })
  @Max(MAX_PAGE_SIZE)
  @Min(1)
  @IsInt()
  @IsOptional()
  @Transform(integerStringToNumber)
  limit = 20;
}
