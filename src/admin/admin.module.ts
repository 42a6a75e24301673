import { Logger, MiddlewareConsumer, Module, NestModule, OnApplicationBootstrap, RequestMethod } from '@nestjs/common';
import { LicenseModule } from '../index';
import { ADMIN_API_PREFIX, AdminApiConfig } from './admin-api.config';
import { AdminApiGateMiddleware } from './admin-api-gate.middleware';
import { AdminApiKeyGuard } from './admin-api-key.guard';

/**
 * The admin credential and what enforces it: {@link AdminAuth} on admin routes, and the gate that makes
 * every /api/admin path a 404 when ADMIN_API_KEY is not set (logged at start-up).
 */
@Module({
  imports: [LicenseModule],
  providers: [AdminApiConfig, AdminApiKeyGuard],
  exports: [AdminApiConfig, AdminApiKeyGuard, LicenseModule],
})
export class AdminModule implements NestModule, OnApplicationBootstrap {
  private readonly logger = new Logger('AdminApi');

  constructor(private readonly admin: AdminApiConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // Only when the admin API is off: bound to a path, Nest's middleware is a route for every method, which
    // would hide the real routes' methods from the 405 + Allow of a wrong method.
    if (!this.admin.enabled) {
      consumer
        .apply(AdminApiGateMiddleware)
        .forRoutes({ path: `${ADMIN_API_PREFIX}/*path`, method: RequestMethod.ALL });
    }
  }

  onApplicationBootstrap(): void {
    if (this.admin.enabled) {
      this.logger.log(`Admin API on at /${ADMIN_API_PREFIX}/v1 (header ADMIN-API-KEY)`);
    } else {
      this.logger.warn(`ADMIN_API_KEY is not set: the admin API (/${ADMIN_API_PREFIX}/v1) is off and answers 404`);
    }
  }
}
