import { Logger } from '@nestjs/common';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { once } from 'node:events';
import type { OutgoingMessage } from './sms-callback-message';

export interface BrokerPublisherSettings {
  url: string;
  exchange: string;
  connectTimeoutMs: number;
  publishTimeoutMs: number;
  heartbeatSeconds: number;
}

export interface BrokerStatus {
  /** Null until the first attempt. */
  reachable: boolean | null;
  /** Why it is not, without credentials. */
  error?: string;
  /** When it last changed. */
  since: Date;
}

interface Link {
  model: ChannelModel;
  channel: ConfirmChannel;
}

/**
 * One AMQP connection with a confirm channel on which the exchange is declared (durable topic, not
 * auto-delete, no arguments: what `@nestjs/microservices`' RMQ transport declares too). Opened when
 * first needed and again after it was lost; {@link publish} says which messages the broker confirmed.
 * It never buffers: a message not confirmed is the caller's to send again.
 */
export class BrokerPublisher {
  private readonly logger = new Logger('SmsCallbackStream');
  private link?: Link;
  private opening?: Promise<Link>;
  private current: BrokerStatus = { reachable: null, since: new Date() };

  constructor(private readonly settings: BrokerPublisherSettings) {}

  get status(): BrokerStatus {
    return this.current;
  }

  /** Opens the connection unless it is open; rejects when the broker cannot be reached or refuses. */
  async open(): Promise<void> {
    if (!this.link) {
      this.opening ??= this.connect().finally(() => (this.opening = undefined));
      await this.opening;
    }
  }

  /**
   * Publishes the messages in order and waits for the broker's confirms (at most `publishTimeoutMs`).
   * Resolves with, for each message, whether the broker confirmed it; a message that was nacked, timed out
   * or lost with the connection is `false`.
   */
  async publish(messages: OutgoingMessage[]): Promise<boolean[]> {
    await this.open();
    const { channel } = this.link!;
    const confirmed = messages.map(() => false);
    const confirms: Array<Promise<void>> = [];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.settings.publishTimeoutMs);
    });
    try {
      for (const [i, { routingKey, content, options }] of messages.entries()) {
        let settle!: () => void;
        confirms.push(new Promise<void>((resolve) => (settle = resolve)));
        const written = channel.publish(this.settings.exchange, routingKey, content, options, (err: unknown) => {
          confirmed[i] = !err;
          settle();
        });
        if (!written && (await Promise.race([once(channel, 'drain'), timeout])) === 'timeout') {
          break;
        }
      }
      if ((await Promise.race([Promise.all(confirms), timeout])) === 'timeout') {
        this.lost(new Error(`no confirm within ${this.settings.publishTimeoutMs} ms`));
      }
    } catch (err) {
      // The channel closed under us (publish throws on a closed channel): what is confirmed so far stands.
      this.lost(err as Error);
    } finally {
      clearTimeout(timer);
    }
    // A copy: a confirm that comes after the timeout does not count (that message is sent again).
    return [...confirmed];
  }

  async close(): Promise<void> {
    const link = this.link ?? (await this.opening?.catch(() => undefined));
    this.link = undefined;
    await link?.model.close().catch(() => undefined);
  }

  private async connect(): Promise<Link> {
    let model: ChannelModel | undefined;
    try {
      // Loaded only here: a service without BROKER_URL never carries amqplib.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { connect } = require('amqplib') as typeof import('amqplib');
      model = await connect(withHeartbeat(this.settings.url, this.settings.heartbeatSeconds), {
        timeout: this.settings.connectTimeoutMs,
        noDelay: true,
        clientProperties: { connection_name: 'sms-callback-service outbox relay' },
      });
      const link = { model } as Link;
      // Listeners first: an 'error' event without one would end the process.
      const drop = (err?: Error) => this.linkLost(link, err ?? new Error('connection closed'));
      model.on('error', (err: Error) => drop(err));
      model.on('close', (err?: Error) => drop(err));
      model.on('blocked', (reason: string) => this.logger.warn(`The broker blocks publishing: ${reason}`));
      model.on('unblocked', () => this.logger.log('The broker accepts publishing again'));
      link.channel = await model.createConfirmChannel();
      link.channel.on('error', (err: Error) => drop(err));
      link.channel.on('close', () => drop(new Error('channel closed')));
      await link.channel.assertExchange(this.settings.exchange, 'topic', { durable: true, autoDelete: false });
      this.link = link;
      this.changeStatus(true);
      return link;
    } catch (err) {
      await model?.close().catch(() => undefined);
      this.changeStatus(false, err as Error);
      throw err;
    }
  }

  /** Gives up the connection (a timeout, a failed publish); the next {@link open} makes a new one. */
  private lost(err: Error): void {
    if (this.link) {
      const { model } = this.link;
      this.linkLost(this.link, err);
      void model.close().catch(() => undefined);
    }
  }

  private linkLost(link: Link, err: Error): void {
    if (this.link === link) {
      this.link = undefined;
      this.changeStatus(false, err);
    }
  }

  private changeStatus(reachable: boolean, err?: Error): void {
    const error = err ? describe(err) : undefined;
    if (this.current.reachable !== reachable) {
      if (reachable) {
        this.logger.log(
          `Broker ${redact(this.settings.url)} reachable: publishing to exchange ${this.settings.exchange}`,
        );
      } else {
        this.logger.warn(
          `Broker ${redact(this.settings.url)} unreachable (${error}): callbacks are stored and wait in the outbox`,
        );
      }
      this.current = { reachable, error, since: new Date() };
    } else if (!reachable) {
      this.current = { ...this.current, error };
    }
  }
}

/** The URL with `heartbeat` set, unless it sets one: a dead link is noticed within two heartbeats. */
function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) {
    parsed.searchParams.set('heartbeat', String(seconds));
  }
  return parsed.toString();
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

function describe(err: Error): string {
  return redact(err.message || String(err));
}
