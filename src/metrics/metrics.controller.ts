import { Controller, Get, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../common/api-error';
import { ApiCommonErrors, ApiEnvelopeError } from '../common/swagger/envelope.schema';
import type { AppConfigService } from '../config/app-config.type';
import { MetricsService } from './metrics.service';

/** Prometheus scrapes `GET /metrics`; with METRICS_TOKEN set, it sends `Authorization: Bearer <token>`. */
@ApiTags('Operations')
@ApiCommonErrors()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  private readonly tokenDigest?: Buffer;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(ConfigService) config: AppConfigService,
  ) {
    const token = config.get('METRICS_TOKEN', { infer: true });
    this.tokenDigest = token ? digest(token) : undefined;
  }

  @Get()
  @ApiOperation({
    summary: 'Metrics in the Prometheus text format (no API-KEY)',
    description:
      'Request durations by route and status, callbacks stored / replayed / rejected, authentication failures ' +
      'by reason, database pool use, Node.js process metrics. When METRICS_TOKEN is set, send ' +
      '`Authorization: Bearer <METRICS_TOKEN>`.',
  })
  @ApiHeader({ name: 'Authorization', required: false, description: '`Bearer <METRICS_TOKEN>` when it is set.' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4.', schema: { type: 'string' } })
  @ApiEnvelopeError(HttpStatus.UNAUTHORIZED, {
    description: 'METRICS_TOKEN is set and the request does not carry it.',
    message: 'The metrics need Authorization: Bearer <METRICS_TOKEN>.',
    errors: { Authorization: { isValid: 'The metrics need Authorization: Bearer <METRICS_TOKEN>.' } },
  })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() response: Response): Promise<void> {
    this.checkToken(authorization);
    const { contentType, body } = await this.metrics.exposition();
    response.status(HttpStatus.OK).type(contentType).setHeader('Cache-Control', 'no-store').send(body);
  }

  private checkToken(authorization: string | undefined): void {
    if (!this.tokenDigest) {
      return;
    }
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.tokenDigest)) {
      throw ApiError.field(
        HttpStatus.UNAUTHORIZED,
        'Authorization',
        'isValid',
        'The metrics need Authorization: Bearer <METRICS_TOKEN>.',
      );
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
