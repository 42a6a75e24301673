import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  SMS_CALLBACK_BATCH_ANSWERED,
  SmsCallbackBatchAnsweredEvent,
} from '../sms-callback/events/sms-callback-batch-answered.event';
import { SMS_CALLBACK_REPLAYED, SMS_CALLBACK_STORED } from '../index';
import { MetricsService } from './metrics.service';

/** Counts stored and replayed callbacks from the service's own events (one per committed new callback, one per replay). */
@Injectable()
export class CallbackMetricsListener {
  constructor(private readonly metrics: MetricsService) {}

  @OnEvent(SMS_CALLBACK_STORED)
  onStored(): void {
    this.metrics.callbacksStored.inc();
  }

  @OnEvent(SMS_CALLBACK_REPLAYED)
  onReplayed(): void {
    this.metrics.callbacksReplayed.inc();
  }

  /** A batch's invalid items (its new and replayed ones come one by one, as for single callbacks). */
  @OnEvent(SMS_CALLBACK_BATCH_ANSWERED)
  onBatch(event: SmsCallbackBatchAnsweredEvent): void {
    if (event.invalid > 0) {
      this.metrics.callbacksRejected.inc({ status: 400 }, event.invalid);
    }
  }
}
