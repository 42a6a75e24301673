import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { AppConfigService } from './config/app-config.type';
import { CommonModule } from './common/common.module';
import { AppConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { LicenseAdminModule } from './license/license-admin.module';
import { LicenseModule } from './license/license.module';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsService } from './metrics/metrics.service';
import { ObservabilityModule } from './observability/observability.module';
import { SmsCallbackStreamModule } from './sms-callback-stream/sms-callback-stream.module';
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
    // Off unless BROKER_URL is set.
    SmsCallbackStreamModule.forRootAsync({
      imports: [MetricsModule],
      inject: [ConfigService, MetricsService],
      useFactory: (config: AppConfigService, metrics: MetricsService) => ({
        brokerUrl: config.get('BROKER_URL', { infer: true }),
        exchange: config.get('BROKER_EXCHANGE', { infer: true }),
        backlogWarnThreshold: config.get('BROKER_BACKLOG_WARN_THRESHOLD', { infer: true }),
        metricsRegistry: metrics.registry,
      }),
    }),
    LicenseModule,
    ObservabilityModule,
    LicenseAdminModule,
  ],
})
export class AppModule {}
