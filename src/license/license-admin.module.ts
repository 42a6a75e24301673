import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { LicenseAdminController } from './license-admin.controller';
import { LicenseModule } from './license.module';

/** The admin API of licenses (`/api/admin/v1/licenses`): HTTP only, the CLI does without it. */
@Module({
  imports: [LicenseModule, AdminModule],
  controllers: [LicenseAdminController],
})
export class LicenseAdminModule {}
