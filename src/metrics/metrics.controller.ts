import { Controller, Get, Headers, HttpStatus, Inject, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../common/auth-failure';
import { ApiCommonErrors, ApiEnvelopeError } from '../common/swagger/envelope.schema';
import type { AppConfigService } from '../config/app-config.type';
import { normalizeClientIp } from '../license/ip-allow-list';
import { AuthFailureLimiter } from '../license/rate-limit/auth-failure-limiter';
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
    private readonly authFailures: AuthFailureLimiter,
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
  @ApiEnvelopeError(HttpStatus.TOO_MANY_REQUESTS, {
    description:
      'Too many wrong tokens from this address (AUTH_FAILURE_LIMIT): refused for a while, whatever it sends.',
    message: 'Too many failed authentications from this address: try again in 60 s.',
    errors: {
      Authorization: { failedAttempts: 'Too many failed authentications from this address: try again in 60 s.' },
    },
    headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } } },
  })
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.checkToken(authorization, normalizeClientIp(request.ip));
    const { contentType, body } = await this.metrics.exposition();
    response.status(HttpStatus.OK).type(contentType).setHeader('Cache-Control', 'no-store').send(body);
  }

  /** The token, or 401; wrong tokens count against the address like wrong keys (429 past AUTH_FAILURE_LIMIT). */
  private async checkToken(authorization: string | undefined, clientIp: string): Promise<void> {
    if (!this.tokenDigest) {
      return;
    }
    this.authFailures.assertNotBlocked('metrics', clientIp);
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!presented || !timingSafeEqual(digest(presented), this.tokenDigest)) {
      await this.authFailures.recordFailure('metrics', clientIp);
      throw new AuthenticationError(
        HttpStatus.UNAUTHORIZED,
        'Authorization',
        'unknown',
        'isValid',
        'The metrics need Authorization: Bearer <METRICS_TOKEN>.',
      );
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
