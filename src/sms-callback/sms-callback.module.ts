import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JSON_BODY_LIMITS } from '../common/body/json-body.guard';
import { LicenseModule } from '../license/license.module';
import { SmsCallbackBatchPipe } from './callback-batch.pipe';
import { CallbackNormalizer } from './callback-normalizer';
import { SmsCallbackBodyPipe, SmsCallbackValidator } from './callback-validator';
import { CallbackWriter } from './callback-writer';
import { HostBodyParserBypass } from './host-body-parser-bypass';
import { CALLBACK_RETENTION_PROVIDERS } from './retention/callback-retention.module';
import { CALLBACK_RETENTION_OPTIONS } from './retention/callback-retention.options';
import { CallbackRetentionScheduler } from './retention/callback-retention.scheduler';
import { CallbackRetentionService } from './retention/callback-retention.service';
import { SmsCallbackBatchController } from './sms-callback-batch.controller';
import { SmsCallbackController } from './sms-callback.controller';
import { SmsCallback } from './sms-callback.entity';
import {
  ConfigurableSmsCallbackModule,
  SMS_CALLBACK_ASYNC_OPTIONS_TYPE,
  SMS_CALLBACK_OPTIONS_TYPE,
  SmsCallbackOptions,
} from './sms-callback.options';
import { SmsCallbackRepository } from './sms-callback.repository';
import { SmsCallbackService } from './sms-callback.service';
import { RolledStatsRepository } from './stats/rolled-stats.repository';

/**
 * SMS delivery callbacks: storing them exactly once ({@link SmsCallbackService}, also announced as the event
 * `sms-callback.stored`), reading them back, the partition maintenance of their table, and (with
 * `routes: true`, the default) the vendor routes under `/api/vendor/v1/sms/callback` with the platform's
 * whole contract: API-KEY, envelope, validation, error mapping, all scoped to these routes.
 *
 * `SmsCallbackModule.forRoot({ timezone?, defaultCountryCode?, routes? })` or
 * `.forRootAsync({ routes?, imports?, inject?, useFactory })`; options default without any environment
 * variable. Uses the host's TypeORM connection (entities and migrations: `SMS_CALLBACK_ENTITIES`,
 * `SMS_CALLBACK_MIGRATIONS`) and `EventEmitterModule.forRoot()`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SmsCallback]), LicenseModule],
  providers: [
    SmsCallbackOptions,
    {
      provide: JSON_BODY_LIMITS,
      inject: [SmsCallbackOptions],
      useFactory: (options: SmsCallbackOptions) => options.bodyLimits,
    },
    {
      provide: CALLBACK_RETENTION_OPTIONS,
      inject: [SmsCallbackOptions],
      useFactory: (options: SmsCallbackOptions) => options.retention,
    },
    ...CALLBACK_RETENTION_PROVIDERS,
    SmsCallbackRepository,
    RolledStatsRepository,
    SmsCallbackService,
    SmsCallbackValidator,
    SmsCallbackBodyPipe,
    SmsCallbackBatchPipe,
    CallbackNormalizer,
    CallbackWriter,
    CallbackRetentionScheduler,
  ],
  exports: [
    SmsCallbackService,
    SmsCallbackValidator,
    CallbackRetentionService,
    CALLBACK_RETENTION_OPTIONS,
    LicenseModule,
  ],
})
export class SmsCallbackModule extends ConfigurableSmsCallbackModule {
  static override forRoot(options: typeof SMS_CALLBACK_OPTIONS_TYPE = {}): DynamicModule {
    return withRoutes(super.forRoot(options), options.routes);
  }

  static override forRootAsync(options: typeof SMS_CALLBACK_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withRoutes(super.forRootAsync(options), options.routes);
  }
}

/** The vendor routes, and what keeps a host's body parser off them, unless `routes: false`. */
function withRoutes(module: DynamicModule, routes = true): DynamicModule {
  if (!routes) {
    return module;
  }
  return {
    ...module,
    // The batch's route first: `POST .../callback/batch` is its, `GET .../callback/:id` the other's.
    controllers: [...(module.controllers ?? []), SmsCallbackBatchController, SmsCallbackController],
    providers: [...(module.providers ?? []), HostBodyParserBypass],
  };
}
