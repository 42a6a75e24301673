import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { randomBytes } from 'node:crypto';

/**
 * The suite's RabbitMQ: its URL (TEST_BROKER_URL, default guest@127.0.0.1:5672, probed by the global
 * setup), or why the tests that need it are skipped (only off CI: CI has a broker and fails without one).
 */
export const BROKER_URL = process.env.TEST_BROKER_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const BROKER_SKIP_REASON = process.env.TEST_BROKER_SKIP_REASON;

/** `describe`, or `describe.skip` with the reason printed when no broker is reachable. */
export function describeWithBroker(name: string, body: () => void): void {
  if (BROKER_SKIP_REASON) {
    process.stdout.write(`${name}: skipped: ${BROKER_SKIP_REASON}\n`);
    describe.skip(name, body);
  } else {
    describe(name, body);
  }
}

/** A name of its own for a test's exchange or queue: other engineers share the broker. */
export function uniqueName(kind: string): string {
  return `sms-callback-test.${kind}.${randomBytes(5).toString('hex')}`;
}

export interface ReceivedMessage {
  message: ConsumeMessage;
  body: { pattern: string; data: Record<string, unknown> & { id: string; enterpriseId: string } };
}

/**
 * A consumer for tests: a queue of its own bound to an exchange (declared as the service declares it),
 * collecting every message; `close()` deletes the queues and the exchanges it made.
 */
export class TestConsumer {
  readonly received: ReceivedMessage[] = [];
  private readonly exchanges = new Set<string>();
  private readonly queues = new Set<string>();

  private constructor(
    private readonly model: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async connect(): Promise<TestConsumer> {
    const model = await connect(BROKER_URL);
    model.on('error', () => undefined);
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    return new TestConsumer(model, channel);
  }

  /** Binds a new queue to `exchange` for `routingKey` and collects what arrives on it. */
  async subscribe(exchange: string, routingKey = 'sms-callback.stored'): Promise<string> {
    await this.channel.assertExchange(exchange, 'topic', { durable: true, autoDelete: false });
    this.exchanges.add(exchange);
    const { queue } = await this.channel.assertQueue(uniqueName('queue'), { durable: false, autoDelete: true });
    this.queues.add(queue);
    await this.channel.bindQueue(queue, exchange, routingKey);
    await this.channel.consume(queue, (message) => {
      if (message) {
        this.received.push({ message, body: JSON.parse(message.content.toString()) });
        this.channel.ack(message);
      }
    });
    return queue;
  }

  /** Deletes an exchange when the test is done (also one it did not declare itself). */
  forget(exchange: string): void {
    this.exchanges.add(exchange);
  }

  /** The messages of these enterprises (a test's own), in the order they arrived. */
  of(enterpriseIds: string | string[]): ReceivedMessage[] {
    const wanted = new Set(Array.isArray(enterpriseIds) ? enterpriseIds : [enterpriseIds]);
    return this.received.filter((received) => wanted.has(received.body.data.enterpriseId));
  }

  /** Resolves once `count()` reaches `atLeast`; rejects with what it saw after `timeoutMs`. */
  async waitFor(count: () => number, atLeast: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (count() < atLeast) {
      if (Date.now() > deadline) {
        throw new Error(`Expected at least ${atLeast} messages within ${timeoutMs} ms, got ${count()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async close(): Promise<void> {
    for (const queue of this.queues) {
      await this.channel.deleteQueue(queue).catch(() => undefined);
    }
    for (const exchange of this.exchanges) {
      await this.channel.deleteExchange(exchange).catch(() => undefined);
    }
    await this.model.close().catch(() => undefined);
  }
}
