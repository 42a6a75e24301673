import { HttpStatus, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { AdminApiConfig } from './admin-api.config';

/** The 404 of a route that does not exist, word for word as the exception filter answers it. */
export function noSuchRoute(request: Request): ApiError {
  const path = request.originalUrl.split('?')[0];
  return new ApiError(HttpStatus.NOT_FOUND, `No route ${request.method} ${path}.`);
}

/**
 * With no ADMIN_API_KEY, every path under /api/admin answers exactly as an unknown route does (404, never
 * 405 or 401): the admin API does not exist. Applied only then (see AdminModule).
 */
@Injectable()
export class AdminApiGateMiddleware implements NestMiddleware {
  constructor(private readonly admin: AdminApiConfig) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    if (!this.admin.enabled) {
      throw noSuchRoute(request);
    }
    next();
  }
}
