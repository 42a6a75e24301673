import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { LicenseCache } from './license-cache';
import { LicenseChangeListener } from './license-change-listener';
import { LicenseEvent } from './license-event.entity';
import { License } from './license.entity';
import { LicenseRepository } from './license.repository';
import { LicenseService } from './license.service';
import { RateLimitModule } from './rate-limit/rate-limit.module';

/**
 * Licenses and their API keys: issuing, the lifecycle with its audit trail, and verifying the key of each
 * request (cached, rate-limited). Modules whose routes use `@ApiKeyAuth()` import this one.
 */
@Module({
  imports: [TypeOrmModule.forFeature([License, LicenseEvent]), RateLimitModule],
  providers: [LicenseRepository, LicenseCache, LicenseChangeListener, LicenseService, ApiKeyGuard],
  exports: [LicenseService, ApiKeyGuard, RateLimitModule],
})
export class LicenseModule {}
