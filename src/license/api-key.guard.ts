import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { normalizeClientIp } from './ip-allow-list';
import { API_KEY_HEADER, type LicensedRequest } from './license-context';
import { LicenseVerifier } from './license-verifier';
import { AuthFailureLimiter } from './rate-limit/auth-failure-limiter';

/**
 * Reads the `API-KEY` header: missing or unknown is a 401, a license that is not active now (or a client
 * address off its allow-list) a 403 that says why. Too many 401s from one address and it gets 429 for a
 * while, whatever the key. On success the request carries its license and enterprise.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly licenses: LicenseVerifier,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<LicensedRequest>();
    const clientIp = normalizeClientIp(request.ip);
    this.authFailures.assertNotBlocked('api-key', clientIp);
    try {
      const verified = await this.licenses.verify(request.header(API_KEY_HEADER), { clientIp });
      request.license = { licenseId: verified.licenseId, enterpriseId: verified.enterpriseId };
      request.licenseRateLimit = verified.rateLimitPerSecond;
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.getStatus() === Number(HttpStatus.UNAUTHORIZED)) {
        await this.authFailures.recordFailure('api-key', clientIp);
      }
      throw err;
    }
  }
}
