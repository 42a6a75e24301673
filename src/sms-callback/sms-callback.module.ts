import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LicenseModule } from '../license/license.module';
import { SmsCallbackBatchPipe } from './callback-batch.pipe';
import { CallbackNormalizer } from './callback-normalizer';
import { SmsCallbackBodyPipe, SmsCallbackValidator } from './callback-validator';
import { CallbackWriter } from './callback-writer';
import { CallbackRetentionModule } from './retention/callback-retention.module';
import { CallbackRetentionScheduler } from './retention/callback-retention.scheduler';
import { SmsCallbackBatchController } from './sms-callback-batch.controller';
import { SmsCallbackController } from './sms-callback.controller';
import { SmsCallback } from './sms-callback.entity';
import { SmsCallbackRepository } from './sms-callback.repository';
import { SmsCallbackService } from './sms-callback.service';
import { RolledStatsRepository } from './stats/rolled-stats.repository';

/**
 * The vendor delivery-report endpoint and the read API. Exports {@link SmsCallbackService} and
 * {@link SmsCallbackValidator} (body in, valid callback or field errors out) for other modules; each new
 * callback is also announced as the in-process event `sms-callback.stored`. Schedules the partition
 * maintenance of the callbacks table (retention: `retention/callback-retention.service.ts`).
 */
@Module({
  imports: [TypeOrmModule.forFeature([SmsCallback]), LicenseModule, CallbackRetentionModule],
  // The batch's route first: `POST .../callback/batch` is its, `GET .../callback/:id` the other's.
  controllers: [SmsCallbackBatchController, SmsCallbackController],
  providers: [
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
  exports: [SmsCallbackService, SmsCallbackValidator, CallbackRetentionModule],
})
export class SmsCallbackModule {}
