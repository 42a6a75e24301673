import { ApiProperty } from '@nestjs/swagger';

const INDICATORS_EXAMPLE = {
  database: { status: 'up', responseTime: 2 },
  lifecycle: { status: 'up', state: 'ready' },
};

/** A health check's result (`@nestjs/terminus`): the overall status and each indicator's. */
export class HealthDto {
  @ApiProperty({
    description: '`ok` when every indicator is up.',
    enum: ['ok', 'error', 'shutting_down'],
    example: 'ok',
  })
  status: string;

  @ApiProperty({
    description: 'The indicators that are up, each `{ status, ...details }`.',
    type: 'object',
    additionalProperties: true,
    example: INDICATORS_EXAMPLE,
  })
  info: Record<string, unknown>;

  @ApiProperty({
    description:
      'The indicators that are down: empty when ok, but for `broker` (with the stream on), which readiness ' +
      'reports without needing it.',
    type: 'object',
    additionalProperties: true,
    example: {},
  })
  error: Record<string, unknown>;

  @ApiProperty({
    description: 'Every indicator.',
    type: 'object',
    additionalProperties: true,
    example: INDICATORS_EXAMPLE,
  })
  details: Record<string, unknown>;
}
