/**
 * A consumer of the SMS callback stream, as another team's service would write it: ordinary Nest code on
 * `@nestjs/microservices`' RMQ transport (with amqplib and amqp-connection-manager installed). Its own
 * durable queue, bound to the service's exchange, keeps the callbacks that arrive while it is down.
 *
 *   BROKER_URL=amqp://guest:guest@127.0.0.1:5672 node -r ./scripts/register-ts.js examples/stream-consumer/main.ts
 *
 * BROKER_EXCHANGE (default sms-callback) must be the service's; CONSUMER_QUEUE names this consumer's queue.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import { StoredCallbacksController } from './stored-callbacks.controller';

@Module({ controllers: [StoredCallbacksController] })
class StreamConsumerModule {}

async function bootstrap(): Promise<void> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(StreamConsumerModule, {
    transport: Transport.RMQ,
    options: {
      urls: [process.env.BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672'],
      // The service's exchange: a durable topic exchange (Nest declares it the same way).
      exchange: process.env.BROKER_EXCHANGE ?? 'sms-callback',
      exchangeType: 'topic',
      routingKey: 'sms-callback.stored',
      // This consumer's own queue: durable, so nothing is lost while the consumer is down.
      queue: process.env.CONSUMER_QUEUE ?? 'example.sms-callback-stored',
      queueOptions: { durable: true },
      // Acknowledge after processing (at least once); at most 50 unacknowledged at a time.
      noAck: false,
      prefetchCount: 50,
    },
    logger: ['error', 'warn', 'log'],
  });
  app.enableShutdownHooks();
  await app.listen();
  console.log(JSON.stringify({ listening: true }));
}

void bootstrap();
