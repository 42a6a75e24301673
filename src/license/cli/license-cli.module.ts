import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { LicenseModule } from '../license.module';

/** Just what the license CLI needs: configuration, the database (attaching to a running service's), licenses. */
@Module({
  imports: [AppConfigModule, DatabaseModule.forRoot({ attachIfRunning: true }), LicenseModule],
})
export class LicenseCliModule {}
