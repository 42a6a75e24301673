import { Module } from '@nestjs/common';
import { CALLBACK_OUTBOX, type CallbackOutbox } from '../sms-callback/callback-outbox';
import { BrokerPublisher } from './broker-publisher';
import { OutboxRelay } from './outbox-relay.service';
import { OutboxRepository } from './outbox.repository';
import { OUTBOX_TABLE } from './sms-callback-outbox.entity';
import { SmsCallbackStreamMetrics } from './sms-callback-stream.metrics';
import {
  ConfigurableStreamModule,
  resolveStreamOptions,
  STREAM_OPTIONS,
  STREAM_SETTINGS,
  type ResolvedStreamOptions,
  type SmsCallbackStreamOptions,
} from './sms-callback-stream.options';
import { SmsCallbackStreamStatus } from './sms-callback-stream.status';

/**
 * The stream of stored callbacks to the other services: with a `brokerUrl`, every newly stored callback
 * gets an outbox row in the statement that stores it ({@link CALLBACK_OUTBOX}), and {@link OutboxRelay}
 * publishes it to a durable topic exchange (routing key `sms-callback.stored`) with publisher confirms.
 * Without one, it provides nothing that changes the service. `SmsCallbackStreamModule.forRoot(options)` or
 * `.forRootAsync({ imports, inject, useFactory })`; global, so that the outbox reaches the callback writer.
 */
@Module({
  providers: [
    {
      provide: STREAM_SETTINGS,
      inject: [STREAM_OPTIONS],
      useFactory: (options: SmsCallbackStreamOptions) => resolveStreamOptions(options),
    },
    {
      provide: CALLBACK_OUTBOX,
      inject: [STREAM_SETTINGS, OutboxRelay],
      useFactory: ({ brokerUrl }: ResolvedStreamOptions, relay: OutboxRelay): CallbackOutbox | null =>
        brokerUrl
          ? {
              table: OUTBOX_TABLE,
              handOff: () => relay.handOff(),
              recorded: (rows, handOff) => relay.recorded(rows, handOff),
            }
          : null,
    },
    {
      provide: BrokerPublisher,
      inject: [STREAM_SETTINGS],
      useFactory: (settings: ResolvedStreamOptions): BrokerPublisher | null =>
        settings.brokerUrl ? new BrokerPublisher({ ...settings, url: settings.brokerUrl }) : null,
    },
    {
      provide: SmsCallbackStreamMetrics,
      inject: [STREAM_SETTINGS, SmsCallbackStreamStatus],
      useFactory: (settings: ResolvedStreamOptions, status: SmsCallbackStreamStatus) =>
        new SmsCallbackStreamMetrics(status.enabled ? settings.metricsRegistry : undefined, () => {
          const snapshot = status.snapshot();
          return {
            backlog: snapshot?.backlog ?? 0,
            oldestAgeSeconds: snapshot?.oldestAgeSeconds ?? 0,
            brokerUp: snapshot?.broker.reachable === true,
          };
        }),
    },
    OutboxRepository,
    SmsCallbackStreamStatus,
    OutboxRelay,
  ],
  exports: [CALLBACK_OUTBOX, SmsCallbackStreamStatus],
})
export class SmsCallbackStreamModule extends ConfigurableStreamModule {}
