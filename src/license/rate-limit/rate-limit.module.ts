import { Module } from '@nestjs/common';
import { ThrottlerModule, type ThrottlerStorage } from '@nestjs/throttler';
import type { LicensedRequest } from '../license-context';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { LicenseOptions } from '../license.options';
import { LicenseItemsRateLimitGuard } from './license-items-rate-limit.guard';
import { LicenseRateLimitGuard } from './license-rate-limit.guard';
import { AUTH_BLOCK_BROADCAST, RATE_LIMIT_STORAGE, rateLimitStorageProviders } from './rate-limit-storage.provider';

/** The storage of the counters, alone so that the throttler's options can be built from it. */
@Module({ providers: rateLimitStorageProviders, exports: [RATE_LIMIT_STORAGE, AUTH_BLOCK_BROADCAST, LicenseOptions] })
class RateLimitStorageModule {}

const rateLimitOf = (request: LicensedRequest): number => request.licenseRateLimit ?? 0;

/**
 * Rate limits on @nestjs/throttler: the per-license requests per second ({@link LicenseRateLimitGuard},
 * one second windows, the limit of the license that {@link ApiKeyGuard} verified; 0 = none) and the
 * per-address failed-authentication limit ({@link AuthFailureLimiter}), on one storage.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [RATE_LIMIT_STORAGE],
      useFactory: (storage: ThrottlerStorage) => ({
        storage,
        throttlers: [
          {
            // "default": the headers keep their plain names (X-RateLimit-Limit, Retry-After, ...).
            name: 'default',
            ttl: 1_000,
            limit: (context) => rateLimitOf(context.switchToHttp().getRequest<LicensedRequest>()),
            skipIf: (context) => rateLimitOf(context.switchToHttp().getRequest<LicensedRequest>()) === 0,
          },
        ],
      }),
    }),
  ],
  providers: [AuthFailureLimiter, LicenseRateLimitGuard, LicenseItemsRateLimitGuard],
  exports: [
    ThrottlerModule,
    AuthFailureLimiter,
    LicenseRateLimitGuard,
    LicenseItemsRateLimitGuard,
    RateLimitStorageModule,
  ],
})
export class RateLimitModule {}
