import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
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
}
