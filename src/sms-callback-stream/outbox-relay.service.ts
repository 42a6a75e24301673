import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BrokerPublisher } from './broker-publisher';
import { OutboxRepository, type ClaimedEntry } from './outbox.repository';
import { messageOf } from './sms-callback-message';
import { SmsCallbackStreamMetrics } from './sms-callback-stream.metrics';
import { STREAM_SETTINGS, type ResolvedStreamOptions } from './sms-callback-stream.options';

type BatchOutcome = 'idle' | 'more' | 'retry';

/** A failure is logged when it starts, then at most this often while it lasts. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
const FIRST_RETRY_DELAY_MS = 250;

/**
 * Moves the outbox to the broker, oldest first, in batches: claim the oldest rows no other relay holds (a
 * lease of twice the publish timeout, taken in one short statement), publish their callbacks with no
 * connection nor transaction held, delete the rows the broker confirmed and end the lease of the others (the
 * next batch takes them first). A process that dies mid-batch leaves its rows to the next relay once their
 * lease ends (they may be published twice, with the same `messageId`: at least once). Runs as soon as this process has committed
 * outbox rows (whichever route stored the callbacks), every `pollIntervalMs` for rows of other instances,
 * and right away while full
 * batches come; while the broker or the database is unreachable it retries, backing off to
 * `maxRetryDelayMs`.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SmsCallbackStream');
  private running = false;
  private loop?: Promise<void>;
  /** Set when outbox rows were committed while a batch was running: look again at once. */
  private woken = false;
  private pauseEnd?: { end(): void; byStores: boolean };
  private failingSince?: number;
  private failureLoggedAt = 0;
  /** Longer than a batch's wait for confirms, so that no other relay takes rows still being published. */
  private readonly leaseMs: number;

  constructor(
    @Inject(STREAM_SETTINGS) private readonly settings: ResolvedStreamOptions,
    private readonly outbox: OutboxRepository,
    @Inject(BrokerPublisher) private readonly publisher: BrokerPublisher | null,
    private readonly metrics: SmsCallbackStreamMetrics,
  ) {
    this.leaseMs = 2 * settings.publishTimeoutMs;
  }

  onApplicationBootstrap(): void {
    if (this.publisher) {
      this.running = true;
      this.loop = this.run();
    }
  }

  /** Lets the batch under way finish, then closes the connection (before the database pool closes). */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.pauseEnd?.end();
    await this.loop;
    await this.publisher?.close();
  }

  /** Outbox rows were committed (by this process): relay them now rather than at the next poll. */
  wake(): void {
    this.woken = true;
    if (this.pauseEnd?.byStores) {
      this.pauseEnd.end();
    }
  }

  private async run(): Promise<void> {
    let retryDelay = 0;
    while (this.running) {
      this.woken = false;
      const outcome = await this.relayBatch();
      if (outcome === 'retry') {
        retryDelay = Math.min(this.settings.maxRetryDelayMs, retryDelay * 2 || FIRST_RETRY_DELAY_MS);
        await this.pause(retryDelay, false);
        continue;
      }
      retryDelay = 0;
      this.recovered();
      if (outcome === 'idle') {
        if (!this.woken) {
          await this.pause(this.settings.pollIntervalMs, true);
        }
        // Under load, many small batches would cost more (per transaction, per wait for confirms) than this.
        await this.pause(this.settings.batchWindowMs, false);
      }
    }
  }

  private async relayBatch(): Promise<BatchOutcome> {
    const publisher = this.publisher!;
    try {
      await publisher.open();
    } catch (err) {
      this.metrics.failures.inc({ stage: 'connect' });
      this.failed('The broker is unreachable', err);
      return 'retry';
    }
    let claimed: ClaimedEntry[];
    try {
      claimed = await this.outbox.claimOldest(this.settings.batchSize, this.leaseMs);
    } catch (err) {
      this.failed('Reading the outbox failed', err);
      return 'retry';
    }
    if (claimed.length === 0) {
      return 'idle';
    }
    const gone = claimed.filter((entry) => entry.callback === null);
    if (gone.length > 0) {
      this.logger.warn(
        `${gone.length} callback(s) in the outbox no longer exist (dropped by retention?), not published: ` +
          gone.map((entry) => entry.callbackId).join(', '),
      );
    }
    const present = claimed.filter((entry) => entry.callback !== null);
    const confirmed = await publisher
      .publish(present.map((entry) => messageOf(entry.callback!)))
      .catch(() => present.map(() => false));
    const published = present.filter((_, i) => confirmed[i]);
    const unpublished = present.filter((_, i) => !confirmed[i]);
    this.metrics.published.inc(published.length);
    this.metrics.failures.inc({ stage: 'publish' }, unpublished.length);
    try {
      const done = [...gone, ...published].map((entry) => entry.outboxId);
      if (done.length > 0) {
        await this.outbox.remove(done);
      }
      if (unpublished.length > 0) {
        await this.outbox.release(unpublished.map((entry) => entry.outboxId));
      }
    } catch (err) {
      // The rows come back when their lease ends, and are sent again (same messageId).
      this.failed('Removing the published callbacks from the outbox failed', err);
      return 'retry';
    }
    if (unpublished.length > 0) {
      this.failed(`The broker did not confirm ${unpublished.length} message(s)`, publisher.status.error ?? 'nacked');
      return 'retry';
    }
    return claimed.length === this.settings.batchSize ? 'more' : 'idle';
  }

  /** Waits `ms`, or less: until shutdown, or (when `byStores`) until a callback is stored. */
  private pause(ms: number, byStores: boolean): Promise<void> {
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        this.pauseEnd = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      this.pauseEnd = { end, byStores };
    });
  }

  private failed(what: string, err: unknown): void {
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failureLoggedAt >= FAILURE_LOG_INTERVAL_MS) {
      this.failureLoggedAt = now;
      const reason = err instanceof Error ? err.message : typeof err === 'string' ? err : 'unknown';
      this.logger.warn(`${what} (${reason}); the callbacks stay in the outbox and are sent again`);
    }
  }

  private recovered(): void {
    if (this.failingSince !== undefined) {
      this.logger.log(`Relaying the outbox again after ${Math.round((Date.now() - this.failingSince) / 1000)} s`);
      this.failingSince = undefined;
      this.failureLoggedAt = 0;
    }
  }
}
