import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { AdminModule } from './admin/admin.module';
import { LicenseAdminModule } from './admin/licenses/license-admin.module';
import { CommonModule } from './common/common.module';
import type { AppConfigService } from './config/app-config.type';
import { AppConfigModule } from './config/config.module';
import { licenseOptionsFrom, smsCallbackOptionsFrom } from './config/library-options';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LicenseModule, SmsCallbackModule } from './index';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsService } from './metrics/metrics.service';
import { SmsCallbackStreamModule } from './sms-callback-stream/sms-callback-stream.module';

/**
 * The whole service: the library's modules (callbacks, licenses, the stream), configured from the
 * environment, and the app's own parts (configuration, database, the platform's contract on every route,
 * logging, health, metrics, the admin API). The CLIs compose their own smaller sets (`src/cli/`).
 */
@Module({
  imports: [
    AppConfigModule,
    DatabaseModule.forRoot(),
    EventEmitterModule.forRoot(),
    CommonModule,
    // Express tries routes in the order they were registered, which is this order: the vendor callback
    // routes, the hot path, come first.
    SmsCallbackModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => smsCallbackOptionsFrom(config),
    }),
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
    LicenseModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: AppConfigService) => licenseOptionsFrom(config),
    }),
    LoggingModule,
    HealthModule,
    MetricsModule,
    AdminModule,
    LicenseAdminModule,
  ],
})
export class AppModule {}
