import { ApiProperty } from '@nestjs/swagger';

export class StatusCountDto {
  @ApiProperty({
    description: 'A delivery status code; null for callbacks without one.',
    type: 'integer',
    nullable: true,
  })
  status: number | null;

  @ApiProperty({ description: 'Callbacks with this status.', type: 'integer', minimum: 1, example: 1200 })
  count: number;
}

export class TelcoLatencyDto {
  @ApiProperty({
    description: 'Callbacks with both times, over which the figures are computed.',
    type: 'integer',
    minimum: 0,
    example: 1180,
  })
  count: number;

  @ApiProperty({
    description: 'Shortest `responseTimeTelco - sendTime`, in ms.',
    nullable: true,
    example: 850,
    type: 'integer',
  })
  minMs: number | null;

  @ApiProperty({
    description: 'Median, in ms: exact, or within 1 % (1 ms under 100 ms) when `approximate`.',
    nullable: true,
    example: 2100,
    type: 'integer',
  })
  medianMs: number | null;

  @ApiProperty({
    description: '95th percentile, in ms: exact, or within 1 % (1 ms under 100 ms) when `approximate`.',
    nullable: true,
    example: 6400,
    type: 'integer',
  })
  p95Ms: number | null;

  @ApiProperty({ description: 'Longest, in ms.', nullable: true, example: 30500, type: 'integer' })
  maxMs: number | null;
}

/** Delivery statistics of the enterprise's callbacks that match the filters. */
export class SmsCallbackStatsDto {
  @ApiProperty({ description: 'Callbacks that match.', type: 'integer', minimum: 0, example: 1250 })
  total: number;

  @ApiProperty({
    description:
      'Distinct `requestId`s among them: exact, or when `approximate` a HyperLogLog estimate (standard error about ' +
      '2 %, never above `total`).',
    type: 'integer',
    minimum: 0,
    example: 1190,
  })
  distinctRequestIds: number;

  @ApiProperty({ description: 'Counts by `status`, in ascending status order.', type: [StatusCountDto] })
  byStatus: StatusCountDto[];

  @ApiProperty({ description: 'Telco latency: `responseTimeTelco - sendTime`, parsed times.', type: TelcoLatencyDto })
  telcoLatency: TelcoLatencyDto;

  @ApiProperty({
    description:
      'True when the figures come from the hourly rollup (a range with a whole rolled-up hour, filtered by send time ' +
      'and status only): `total`, `byStatus`, `telcoLatency.count`, `minMs` and `maxMs` are exact either way; ' +
      '`medianMs`/`p95Ms` are then within 1 % and `distinctRequestIds` an estimate. False: everything exact.',
    example: false,
  })
  approximate: boolean;
}
