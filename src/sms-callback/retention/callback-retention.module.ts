import { DynamicModule, Module, type ModuleMetadata, type Provider } from '@nestjs/common';
import { CallbackPartitionsRepository } from './callback-partitions.repository';
import { CALLBACK_RETENTION_OPTIONS, CallbackRetentionOptions } from './callback-retention.options';
import { CallbackRetentionService } from './callback-retention.service';
import { StatsRollupRepository } from '../stats/stats-rollup.repository';
import { StatsRollupService } from '../stats/stats-rollup.service';

/** The retention service, its repository and the statistics rollup it keeps (its options under {@link CALLBACK_RETENTION_OPTIONS}). */
export const CALLBACK_RETENTION_PROVIDERS: Provider[] = [
  CallbackPartitionsRepository,
  CallbackRetentionService,
  StatsRollupRepository,
  StatsRollupService,
];

/**
 * Retention and partition maintenance of the callbacks table alone (the service; the scheduler is the
 * host's choice), for a process that only maintains, such as the callbacks CLI. `SmsCallbackModule` holds
 * the same providers itself.
 */
@Module({})
export class CallbackRetentionModule {
  static forRootAsync(options: {
    imports?: ModuleMetadata['imports'];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the host's providers, of any type
    inject?: any[];
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as Nest's own factories
    useFactory: (...args: any[]) => CallbackRetentionOptions;
  }): DynamicModule {
    return {
      module: CallbackRetentionModule,
      imports: options.imports ?? [],
      providers: [
        ...CALLBACK_RETENTION_PROVIDERS,
        { provide: CALLBACK_RETENTION_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
      ],
      exports: [CallbackRetentionService, CALLBACK_RETENTION_OPTIONS],
    };
  }
}
