import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload, RmqContext } from '@nestjs/microservices';
import type { ConsumeMessage, Channel } from 'amqplib';

/** `data` of a `sms-callback.stored` message: the callback as the service's API returns it, plus two ids. */
export interface StoredSmsCallback {
  id: string;
  enterpriseId: string;
  licenseId: string;
  msisdn: string;
  msisdnNormalized: string | null;
  requestId: string;
  sendTime: string;
  sendTimeUtc: string | null;
  responseTimeTelco: string | null;
  responseTimeTelcoUtc: string | null;
  status: number | null;
  referentId: string;
  retryCount: number;
  receivedAt: string;
}

@Controller()
export class StoredCallbacksController {
  /** Delivery is at least once: a message may come twice, with the same messageId (the callback id). */
  private readonly seen = new Set<string>();

  // `<string>`: Nest 12's typed form (`@EventPattern<Events>`) would not allow the `@Ctx()` parameter.
  @EventPattern<string>('sms-callback.stored')
  onStored(@Payload() callback: StoredSmsCallback, @Ctx() context: RmqContext): void {
    const channel = context.getChannelRef() as Channel;
    const message = context.getMessage() as ConsumeMessage;
    try {
      if (!this.seen.has(callback.id)) {
        // A real consumer does its work here, e.g. an upsert keyed by callback.id in its own database.
        console.log(JSON.stringify({ received: callback.id, messageId: message.properties.messageId, callback }));
        this.seen.add(callback.id);
      }
      channel.ack(message);
    } catch (err) {
      console.error(err);
      channel.nack(message, false, true);
    }
  }
}
