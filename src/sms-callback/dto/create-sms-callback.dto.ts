import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDefined, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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
