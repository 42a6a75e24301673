import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { FieldErrors } from '../../common/envelope';
import { SmsCallbackDto } from './sms-callback.dto';

/** The answer to one item of a batch, at its place in the request. */
export class SmsCallbackBatchItem {
  @ApiProperty({ description: 'Position of the item in the request (0-based).', type: 'integer', minimum: 0 })
  index: number;

  @ApiProperty({
    description:
      'What the single endpoint would have answered for it: `201` stored now, `200` a replay of a stored ' +
      'callback (or of an identical earlier item of this batch), `400` invalid (nothing stored for it).',
    type: 'integer',
    enum: [201, 200, 400],
    example: 201,
  })
  code: number;

  @ApiProperty({
    description: 'The stored record (as the single endpoint answers it) for 201 and 200; `null` for 400.',
    // OpenAPI 3.0 has no nullable reference: the record, or null.
    oneOf: [{ $ref: getSchemaPath(SmsCallbackDto) }, { type: 'object', nullable: true, enum: [null] }],
  })
  data: SmsCallbackDto | null;

  @ApiProperty({
    description: "`null` for 201 and 200; for 400, keyed by field as the single endpoint's, each `{ rule: message }`.",
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    nullable: true,
    example: null,
  })
  errors: FieldErrors | null;
}
