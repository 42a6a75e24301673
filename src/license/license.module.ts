import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyGuard } from './api-key.guard';
import { License } from './license.entity';
import { LicenseRepository } from './license.repository';
import { LicenseService } from './license.service';

/** Licenses and their API keys: issuing, revoking, and verifying the key of each request. */
@Module({
  imports: [TypeOrmModule.forFeature([License])],
  providers: [LicenseRepository, LicenseService, ApiKeyGuard],
  exports: [LicenseService, ApiKeyGuard],
})
export class LicenseModule {}
