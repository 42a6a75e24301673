import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BrokerPublisher, type BrokerStatus } from './broker-publisher';
import { OutboxRepository, type OutboxBacklog } from './outbox.repository';
import { STREAM_SETTINGS, type ResolvedStreamOptions } from './sms-callback-stream.options';

/** While the backlog stays over the threshold, the warning is repeated this often. */
const BACKLOG_WARN_INTERVAL_MS = 60_000;

export interface SmsCallbackStreamSnapshot {
  exchange: string;
  broker: BrokerStatus;
  /** Callbacks waiting in the outbox, as last counted. */
  backlog: number;
  oldestAgeSeconds: number;
}

/**
 * What operators see of the stream: the broker's state and the outbox backlog, counted every
 * `backlogIntervalMs` (for `/metrics`, `/health/ready` and the warning logged while the backlog is over
 * `backlogWarnThreshold`).
 */
@Injectable()
export class SmsCallbackStreamStatus implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SmsCallbackStream');
  private backlog: OutboxBacklog = { count: 0, oldestReceivedAt: null };
  private timer?: NodeJS.Timeout;
  private warnedAt?: number;

  constructor(
    @Inject(STREAM_SETTINGS) private readonly settings: ResolvedStreamOptions,
    private readonly outbox: OutboxRepository,
    @Inject(BrokerPublisher) private readonly publisher: BrokerPublisher | null,
  ) {}

  /** True when the stream is on (a broker URL is configured). */
  get enabled(): boolean {
    return this.publisher !== null;
  }

  /** The current state; undefined when the stream is off. */
  snapshot(): SmsCallbackStreamSnapshot | undefined {
    if (!this.publisher) {
      return undefined;
    }
    const oldest = this.backlog.oldestReceivedAt;
    return {
      exchange: this.settings.exchange,
      broker: this.publisher.status,
      backlog: this.backlog.count,
      oldestAgeSeconds: oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0,
    };
  }

  onApplicationBootstrap(): void {
    if (this.publisher) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), this.settings.backlogIntervalMs);
      this.timer.unref();
    }
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Counts the backlog again (a database outage keeps the last count) and warns while it is too long. */
  async refresh(): Promise<void> {
    try {
      this.backlog = await this.outbox.backlog();
    } catch {
      return;
    }
    const { count } = this.backlog;
    const threshold = this.settings.backlogWarnThreshold;
    const now = Date.now();
    if (count > threshold && (this.warnedAt === undefined || now - this.warnedAt >= BACKLOG_WARN_INTERVAL_MS)) {
      this.warnedAt = now;
      const age = Math.round(this.snapshot()?.oldestAgeSeconds ?? 0);
      this.logger.warn(
        `Outbox backlog over ${threshold}: ${count} callbacks wait for the broker, the oldest for ${age} s ` +
          `(broker ${this.publisher?.status.reachable ? 'reachable' : `unreachable: ${this.publisher?.status.error}`})`,
      );
    } else if (count <= threshold && this.warnedAt !== undefined) {
      this.warnedAt = undefined;
      this.logger.log(`Outbox backlog back under ${threshold}: ${count} callbacks wait`);
    }
  }
}
