import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfigService } from '../../config/app-config.type';
import { CallbackPartitionsRepository } from './callback-partitions.repository';
import { CALLBACK_RETENTION_OPTIONS, CallbackRetentionOptions } from './callback-retention.options';
import { CallbackRetentionService } from './callback-retention.service';
import { StatsRollupRepository } from '../stats/stats-rollup.repository';
import { StatsRollupService } from '../stats/stats-rollup.service';

/** Retention and partition maintenance of the callbacks table (the service; the scheduler is the host's choice). */
@Module({
  providers: [
    CallbackPartitionsRepository,
    CallbackRetentionService,
    StatsRollupRepository,
    StatsRollupService,
    {
      provide: CALLBACK_RETENTION_OPTIONS,
      inject: [ConfigService],
      useFactory: (config: AppConfigService): CallbackRetentionOptions => ({
        retentionDays: config.get('CALLBACK_RETENTION_DAYS', { infer: true }),
        intervalMinutes: config.get('CALLBACK_MAINTENANCE_INTERVAL_MINUTES', { infer: true }),
      }),
    },
  ],
  exports: [CallbackRetentionService, CALLBACK_RETENTION_OPTIONS],
})
export class CallbackRetentionModule {}
