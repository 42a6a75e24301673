import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { ConfigService } from '@nestjs/config';
import type { AppConfigService } from '../../config/app-config.type';
import { licenseOptionsFrom } from '../../config/library-options';
import { LicenseModule } from '../../index';

/** Just what the license CLI needs: configuration, the database (attaching to a running service's), licenses. */
@Module({
  imports: [
    AppConfigModule,
    DatabaseModule.forRoot({ attachIfRunning: true }),
    LicenseModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => licenseOptionsFrom(config),
    }),
  ],
})
export class LicenseCliModule {}
