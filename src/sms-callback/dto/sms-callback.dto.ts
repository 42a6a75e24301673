import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A stored callback: the seven fields as the vendor sent them, with its id and when it arrived. */
export class SmsCallbackDto {
  @ApiProperty({
    description: 'Id of the stored callback.',
    format: 'uuid',
    example: '3f0e7a1c-5b2d-4c8e-9a6f-1d2e3f4a5b6c',
  })
  id: string;

  @ApiProperty({ description: 'The recipient phone number, as sent.', example: '84912345678' })
  msisdn: string;

  @ApiProperty({
    description:
      'The recipient phone number in international digits, without `+` (`0912345678` gives `84912345678`). ' +
      'Null only for callbacks stored before numbers were normalised whose number could not be read.',
    example: '84912345678',
    nullable: true,
    type: String,
  })
  msisdnNormalized: string | null;

  @ApiProperty({ description: 'Id of the send request the report is about.', example: 'req-20250501-000123' })
  requestId: string;

  @ApiProperty({ description: 'When the SMS was sent, as sent.', example: '2025-05-01 17:15:30' })
  sendTime: string;

  @ApiPropertyOptional({
    description: 'When the telco answered, as sent.',
    example: '2025-05-01 17:15:32',
    nullable: true,
    type: String,
  })
  responseTimeTelco: string | null;

  @ApiProperty({
    description:
      '`sendTime` read as an instant (ISO 8601, UTC); a time written without a zone is in CALLBACK_TIMEZONE. ' +
      'Null only for callbacks stored before times were read whose value could not be read.',
    format: 'date-time',
    example: '2025-05-01T10:15:30.000Z',
    nullable: true,
    type: String,
  })
  sendTimeUtc: string | null;

  @ApiPropertyOptional({
    description: '`responseTimeTelco` read as an instant (ISO 8601, UTC); null when absent.',
    format: 'date-time',
    example: '2025-05-01T10:15:32.000Z',
    nullable: true,
    type: String,
  })
  responseTimeTelcoUtc: string | null;

  @ApiPropertyOptional({
    description: "The vendor's delivery status code.",
    example: 0,
    nullable: true,
    type: 'integer',
  })
  status: number | null;

  @ApiProperty({ description: "The platform's / enterprise's message reference.", example: 'msg-7f3a9c' })
  referentId: string;

  @ApiProperty({ description: 'How many retries were made.', example: 0, type: 'integer' })
  retryCount: number;

  @ApiProperty({
    description: 'When the service stored it (ISO 8601, UTC).',
    format: 'date-time',
    example: '2025-05-01T10:15:33.120Z',
  })
  receivedAt: string;
}
