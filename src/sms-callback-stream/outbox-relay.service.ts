import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { OutboxedCallback, OutboxHandOff } from '../sms-callback/callback-outbox';
import { BrokerPublisher } from './broker-publisher';
import { HandedOffCallbacks } from './handed-off-callbacks';
import { OutboxRepository, type ClaimedEntry } from './outbox.repository';
import { messageOf } from './sms-callback-message';
import { SmsCallbackStreamMetrics } from './sms-callback-stream.metrics';
import { STREAM_SETTINGS, type ResolvedStreamOptions } from './sms-callback-stream.options';

type BatchOutcome = 'idle' | 'more' | 'retry';

/** A row to publish: the outbox row's id and its callback (null when the callback no longer exists). */
type Entry = Pick<ClaimedEntry, 'outboxId' | 'callback'>;

/** A failure is logged when it starts, then at most this often while it lasts. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
const FIRST_RETRY_DELAY_MS = 250;

/**
 * Moves the outbox to the broker, in batches, two ways:
 * - **Handed off** (the normal case): the rows this process stores while the relay is caught up are leased to
 *   it in the statement that stores them ({@link handOff}, twice the publish timeout), and published from
 *   what the writer stored ({@link recorded}): no read of the table, no claim. See {@link HandedOffCallbacks}.
 * - **Claimed**: every `pollIntervalMs` (and at once while full batches come) it claims the oldest rows that no
 *   relay holds (rows of other instances, of one that died, or stored while the broker was unreachable), with
 *   a lease taken in one short statement, and reads their callbacks back. Until such a look finds nothing
 *   left, nothing is handed off: a backlog goes out oldest first.
 * Either way it publishes with no connection nor transaction held, deletes the rows the broker confirmed and
 * ends the lease of the others (the next look takes them first). A process that dies mid-batch leaves its
 * rows to the next relay once their lease ends (they may be published twice, with the same `messageId`: at
 * least once). While the broker or the database is unreachable it retries, backing off to `maxRetryDelayMs`.
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
  /** True once a look at the table found nothing unclaimed left; false after any failure. */
  private caughtUp = false;
  private nextLookAt = 0;
  /**
   * Set when this process committed rows that were not handed off (stored before it caught up) since the last
   * look at the table began: the next batch is a look, so that those rows go out before any handed off later.
   */
  private storedUnclaimed = false;
  private readonly handedOff: HandedOffCallbacks;

  constructor(
    @Inject(STREAM_SETTINGS) private readonly settings: ResolvedStreamOptions,
    private readonly outbox: OutboxRepository,
    @Inject(BrokerPublisher) private readonly publisher: BrokerPublisher | null,
    private readonly metrics: SmsCallbackStreamMetrics,
  ) {
    this.leaseMs = 2 * settings.publishTimeoutMs;
    // Published within half the timeout of the hand-off, a batch ends (confirmed or timed out) before the lease.
    this.handedOff = new HandedOffCallbacks(settings.publishTimeoutMs / 2, 20 * settings.batchSize);
  }

  onApplicationBootstrap(): void {
    if (this.publisher) {
      this.running = true;
      this.loop = this.run();
    }
  }

  /**
   * Lets the batch under way finish, publishes what was handed off, ends the lease of what could not be (for
   * another instance to take at once), then closes the connection (before the database pool closes).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.pauseEnd?.end();
    await this.loop;
    while (this.handedOff.size > 0 && this.publisher?.status.reachable && (await this.relayHandedOff()) !== 'retry') {
      // Until every handed-off row is published or the broker fails.
    }
    const left = this.handedOff.takeAll().map((entry) => entry.outboxId);
    if (left.length > 0) {
      await this.outbox.release(left).catch((err: unknown) => this.failed('Ending the outbox leases failed', err));
    }
    await this.publisher?.close();
  }

  /** Whether, and for how long, the rows of the statement about to be sent are handed off to this process. */
  handOff(): OutboxHandOff {
    const handingOff =
      this.running && this.caughtUp && this.publisher?.status.reachable === true && !this.handedOff.full;
    return { leaseMs: handingOff ? this.leaseMs : 0, since: Date.now() };
  }

  /** Outbox rows were committed by this process (handed off to it, or not): relay them now. */
  recorded(rows: OutboxedCallback[], handOff: OutboxHandOff): void {
    if (handOff.leaseMs > 0) {
      this.handedOff.add(rows, handOff.since);
    } else {
      this.storedUnclaimed = true;
    }
    this.wake();
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
      const outcome = await this.relayNext();
      if (outcome === 'retry') {
        this.caughtUp = false;
        retryDelay = Math.min(this.settings.maxRetryDelayMs, retryDelay * 2 || FIRST_RETRY_DELAY_MS);
        await this.pause(retryDelay, false);
        continue;
      }
      retryDelay = 0;
      this.recovered();
      if (outcome === 'idle') {
        if (!this.woken) {
          await this.pause(Math.max(0, this.nextLookAt - Date.now()), true);
        }
        // Under load, many small batches would cost more (per transaction, per wait for confirms) than this.
        await this.pause(this.settings.batchWindowMs, false);
      }
    }
  }

  /**
   * The handed-off rows, but a look at the table at least every `pollIntervalMs`, and first when rows of this
   * process wait there unclaimed (they are older).
   */
  private relayNext(): Promise<BatchOutcome> {
    if (this.handedOff.size > 0 && !this.storedUnclaimed && Date.now() < this.nextLookAt) {
      return this.relayHandedOff();
    }
    this.storedUnclaimed = false;
    this.nextLookAt = Date.now() + this.settings.pollIntervalMs;
    return this.relayClaimed();
  }

  private async relayHandedOff(): Promise<BatchOutcome> {
    const { due, givenUp } = this.handedOff.take(this.settings.batchSize);
    if (givenUp > 0) {
      // Their leases end before they could be published: a look at the table takes them then.
      this.caughtUp = false;
    }
    if (due.length > 0 && !(await this.connected())) {
      // For a look at the table to take them once the broker is back (the first look, as the oldest).
      await this.outbox.release(due.map((entry) => entry.outboxId)).catch(() => undefined);
      return 'retry';
    }
    const outcome = due.length === 0 ? 'done' : await this.publishAndSettle(due);
    return outcome === 'retry' ? outcome : this.handedOff.size > 0 ? 'more' : 'idle';
  }

  private async relayClaimed(): Promise<BatchOutcome> {
    // Connected first: while the broker is down, no row is claimed.
    if (!(await this.connected())) {
      return 'retry';
    }
    let claimed: ClaimedEntry[];
    try {
      claimed = await this.outbox.claimOldest(this.settings.batchSize, this.leaseMs);
    } catch (err) {
      this.failed('Reading the outbox failed', err);
      return 'retry';
    }
    const outcome = claimed.length === 0 ? 'idle' : await this.publishAndSettle(claimed);
    if (outcome === 'retry') {
      return outcome;
    }
    if (claimed.length < this.settings.batchSize) {
      this.caughtUp = true;
      return this.handedOff.size > 0 ? 'more' : 'idle';
    }
    return 'more';
  }

  /** Opens the connection unless it is open; false (counted, logged) when the broker is unreachable. */
  private async connected(): Promise<boolean> {
    try {
      await this.publisher!.open();
      return true;
    } catch (err) {
      this.metrics.failures.inc({ stage: 'connect' });
      this.failed('The broker is unreachable', err);
      return false;
    }
  }

  /**
   * Publishes the entries' callbacks, deletes the rows of those the broker confirmed (and of callbacks that are
   * gone), ends the lease of the others.
   */
  private async publishAndSettle(entries: Entry[]): Promise<'done' | 'retry'> {
    const publisher = this.publisher!;
    const gone = entries.filter((entry) => entry.callback === null);
    if (gone.length > 0) {
      this.logger.warn(
        `${gone.length} outbox row(s) whose callback no longer exists (dropped by retention?), not published: ` +
          gone.map((entry) => entry.outboxId).join(', '),
      );
    }
    const present = entries.filter((entry) => entry.callback !== null);
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
    return 'done';
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
