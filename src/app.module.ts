import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { CommonModule } from './common/common.module';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LicenseAdminModule } from './license/license-admin.module';
import { LicenseModule } from './license/license.module';
import { ObservabilityModule } from './observability/observability.module';
import { SmsCallbackModule } from './sms-callback/sms-callback.module';

@Module({
  imports: [
    AppConfigModule,
    DatabaseModule.forRoot(),
    EventEmitterModule.forRoot(),
    CommonModule,
    // Express tries routes in the order they were registered, which is this order: the vendor callback
    // routes, the hot path, come first.
    SmsCallbackModule,
    LicenseModule,
    ObservabilityModule,
    LicenseAdminModule,
  ],
})
export class AppModule {}
