import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import { ApiError } from '../../common/api-error';
import type { LicensedRequest } from '../license-context';

/**
 * The per-license limit (requests per second), after {@link ApiKeyGuard}: counted by license, across every
 * route and, with REDIS_URL, every instance. Over it: 429 in the envelope with `Retry-After`. Successful
 * answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
 */
@Injectable()
export class LicenseRateLimitGuard extends ThrottlerGuard {
  /** A license without a limit (the default: LICENSE_RATE_LIMIT_PER_SECOND=0) costs no throttler work at all. */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!context.switchToHttp().getRequest<LicensedRequest>().licenseRateLimit) {
      return true;
    }
    return super.canActivate(context);
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return (request as unknown as LicensedRequest).license.licenseId;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return licenseRateLimitKey(tracker);
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests(detail.limit, detail.timeToBlockExpire);
  }
}

/** The throttler's key of a license's counter (see {@link LicenseRateLimitGuard.generateKey}). */
export function licenseRateLimitKey(licenseId: string): string {
  return `license:${licenseId}`;
}

/** The 429 of a license past its requests per second, with `Retry-After`. */
export function tooManyRequests(limit: number, secondsLeft: number, batch = false): ApiError {
  const message =
    `Too many requests: this license may make ${limit} per second` +
    `${batch ? ' (each item of a batch counts as one)' : ''}. Send again later.`;
  return new ApiError(
    HttpStatus.TOO_MANY_REQUESTS,
    message,
    { 'API-KEY': { rateLimit: message } },
    { 'Retry-After': String(Math.max(1, secondsLeft)) },
  );
}
