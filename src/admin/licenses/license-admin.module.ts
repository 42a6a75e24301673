import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfigService } from '../../config/app-config.type';
import { jsonBodyLimitsFrom } from '../../config/library-options';
import { JSON_BODY_LIMITS, LicenseModule } from '../../index';
import { AdminModule } from '../admin.module';
import { LicenseAdminController } from './license-admin.controller';

/** The admin API of licenses (`/api/admin/v1/licenses`): HTTP only, the CLI does without it. */
@Module({
  imports: [LicenseModule, AdminModule],
  controllers: [LicenseAdminController],
  providers: [
    {
      provide: JSON_BODY_LIMITS,
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => jsonBodyLimitsFrom(config),
    },
  ],
})
export class LicenseAdminModule {}
