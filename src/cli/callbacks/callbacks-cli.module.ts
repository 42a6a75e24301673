import { Module } from '@nestjs/common';
import { AppConfigModule } from '../../config/config.module';
import { DatabaseModule } from '../../database/database.module';
import { ConfigService } from '@nestjs/config';
import type { AppConfigService } from '../../config/app-config.type';
import { smsCallbackOptionsFrom } from '../../config/library-options';
import { CallbackRetentionModule } from '../../index';

/** Just what the callbacks CLI needs: configuration, the database (attaching to a running service's), retention. */
@Module({
  imports: [
    AppConfigModule,
    DatabaseModule.forRoot({ attachIfRunning: true }),
    CallbackRetentionModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => {
        const { retentionDays = 0, maintenanceIntervalMinutes = 0 } = smsCallbackOptionsFrom(config);
        return { retentionDays, intervalMinutes: maintenanceIntervalMinutes };
      },
    }),
  ],
})
export class CallbacksCliModule {}
