import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import {
  SMS_CALLBACK_BATCH_ANSWERED,
  SmsCallbackBatchAnsweredEvent,
} from '../sms-callback/events/sms-callback-batch-answered.event';
import { SMS_CALLBACK_STORED } from '../sms-callback/events/sms-callback-stored.event';
import { MetricsService } from './metrics.service';

/** Counts stored callbacks from the service's own event, emitted once per committed new callback. */
@Injectable()
export class CallbackMetricsListener {
  constructor(private readonly metrics: MetricsService) {}

  @OnEvent(SMS_CALLBACK_STORED)
  onStored(): void {
    this.metrics.callbacksStored.inc();
  }

  /** A batch's replayed and invalid items (its new ones come as `sms-callback.stored`). */
  @OnEvent(SMS_CALLBACK_BATCH_ANSWERED)
  onBatch(event: SmsCallbackBatchAnsweredEvent): void {
    if (event.replayed > 0) {
      this.metrics.callbacksReplayed.inc(event.replayed);
    }
    if (event.invalid > 0) {
      this.metrics.callbacksRejected.inc({ status: 400 }, event.invalid);
    }
  }
}
