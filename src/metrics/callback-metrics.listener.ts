import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
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
}
