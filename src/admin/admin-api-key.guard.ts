import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticationError } from '../common/auth-failure';
import { normalizeClientIp } from '../license/ip-allow-list';
import { AuthFailureLimiter } from '../license/rate-limit/auth-failure-limiter';
import { AdminApiConfig } from './admin-api.config';
import { noSuchRoute } from './admin-api-gate.middleware';

export const ADMIN_API_KEY_HEADER = 'ADMIN-API-KEY';

/** A request that passed {@link AdminApiKeyGuard}. */
export interface AdminRequest extends Request {
  /** Who to write in the audit trail for changes made by this request. */
  adminActor: string;
}

/**
 * Reads the `ADMIN-API-KEY` header: missing or wrong is a 401 (counted against the client address by the
 * brute-force guard: 429 past the limit). With no admin key configured the route does not exist (404).
 */
@Injectable()
export class AdminApiKeyGuard implements CanActivate {
  constructor(
    private readonly admin: AdminApiConfig,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (!this.admin.enabled) {
      throw noSuchRoute(request);
    }
    const clientIp = normalizeClientIp(request.ip);
    this.authFailures.assertNotBlocked('admin', clientIp);
    const presented = request.header(ADMIN_API_KEY_HEADER);
    if (!presented || !this.admin.matches(presented)) {
      await this.authFailures.recordFailure('admin', clientIp);
      throw presented
        ? new AuthenticationError(
            HttpStatus.UNAUTHORIZED,
            ADMIN_API_KEY_HEADER,
            'unknown',
            'isValid',
            'The ADMIN-API-KEY is not valid.',
          )
        : new AuthenticationError(
            HttpStatus.UNAUTHORIZED,
            ADMIN_API_KEY_HEADER,
            'missing',
            'isNotEmpty',
            'The ADMIN-API-KEY header is required.',
          );
    }
    request.adminActor = this.admin.actor;
    return true;
  }
}
