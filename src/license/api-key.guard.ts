import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import type { LicenseContext } from './license-context';
import { LicenseService } from './license.service';

export const API_KEY_HEADER = 'API-KEY';

/** A request that passed {@link ApiKeyGuard}. */
export interface LicensedRequest extends Request {
  license: LicenseContext;
}

/**
 * Reads the `API-KEY` header: missing or unknown is a 401, a license that is not active now is a 403
 * that says why. On success the request carries its license and enterprise.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly licenses: LicenseService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<LicensedRequest>();
    request.license = await this.licenses.verify(request.header(API_KEY_HEADER));
    return true;
  }
}
