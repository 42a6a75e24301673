import type { StoredSmsCallback } from '../sms-callback/sms-callback.repository';
import type { BrokerPublisher } from './broker-publisher';
import { OutboxRelay } from './outbox-relay.service';
import type { ClaimedEntry, OutboxRepository } from './outbox.repository';
import type { OutgoingMessage } from './sms-callback-message';
import { SmsCallbackStreamMetrics } from './sms-callback-stream.metrics';
import { resolveStreamOptions } from './sms-callback-stream.options';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` passes (a loaded machine runs the relay late, never early), at most 5 s. */
async function until(check: () => unknown): Promise<void> {
  for (let waited = 0; ; waited += 5) {
    try {
      if ((await check()) !== false) {
        return;
      }
    } catch (err) {
      if (waited >= 5_000) {
        throw err;
      }
    }
    if (waited >= 5_000) {
      throw new Error('timed out');
    }
    await sleep(5);
  }
}

function entry(n: number, present = true): ClaimedEntry {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const callback = { id, enterpriseId: 'ent', licenseId: 'lic', receivedAt: new Date(), sendTimeAt: null };
  return { outboxId: String(n), callbackId: id, callback: present ? (callback as unknown as StoredSmsCallback) : null };
}

/** An outbox in memory with the relay's leases: a claimed row is not claimed again until it is released. */
class FakeOutbox {
  rows: ClaimedEntry[] = [];
  claims = 0;
  /** The ids of each remove call, in order. */
  removed: string[][] = [];
  released: string[][] = [];
  readonly leased = new Set<string>();

  /** Rows a statement wrote leased to the relay (handed off): in the table, not claimable. */
  handOff(entries: ClaimedEntry[]): Array<{ outboxId: string; callback: StoredSmsCallback }> {
    this.rows.push(...entries);
    entries.forEach((row) => this.leased.add(row.outboxId));
    return entries.map(({ outboxId, callback }) => ({ outboxId, callback: callback! }));
  }

  readonly repository = {
    claimOldest: async (limit: number) => {
      this.claims++;
      const claimed = this.rows.filter((row) => !this.leased.has(row.outboxId)).slice(0, limit);
      claimed.forEach((row) => this.leased.add(row.outboxId));
      return claimed;
    },
    remove: async (ids: string[]) => {
      this.removed.push(ids);
      this.rows = this.rows.filter((row) => !ids.includes(row.outboxId));
    },
    release: async (ids: string[]) => {
      this.released.push(ids);
      ids.forEach((id) => this.leased.delete(id));
    },
  } as unknown as OutboxRepository;
}

/** A publisher that confirms what `confirm` says (by callback id), and records what it was given. */
class FakePublisher {
  published: string[] = [];
  confirm: (messageId: string) => boolean = () => true;
  openError?: Error;
  status = { reachable: true, since: new Date() };

  open = async () => {
    if (this.openError) {
      throw this.openError;
    }
  };
  delayMs = 0;
  publish = async (messages: OutgoingMessage[]) => {
    await sleep(this.delayMs);
    const ids = messages.map((message) => String(message.options.messageId));
    this.published.push(...ids);
    return ids.map((id) => this.confirm(id));
  };
  close = async () => undefined;
}

describe('OutboxRelay', () => {
  let outbox: FakeOutbox;
  let publisher: FakePublisher;
  let metrics: SmsCallbackStreamMetrics;
  let relay: OutboxRelay;

  const start = (options: { batchSize?: number; pollIntervalMs?: number; publishTimeoutMs?: number } = {}) => {
    const settings = resolveStreamOptions({
      brokerUrl: 'amqp://x',
      pollIntervalMs: 20,
      batchWindowMs: 0,
      maxRetryDelayMs: 20,
      ...options,
    });
    metrics = new SmsCallbackStreamMetrics(undefined, () => ({ backlog: 0, oldestAgeSeconds: 0, brokerUp: true }));
    relay = new OutboxRelay(settings, outbox.repository, publisher as unknown as BrokerPublisher, metrics);
    relay.onApplicationBootstrap();
  };
  const counted = async (counter: { get(): Promise<{ values: Array<{ value: number; labels: object }> }> }) =>
    (await counter.get()).values;

  beforeEach(() => {
    outbox = new FakeOutbox();
    publisher = new FakePublisher();
  });
  afterEach(async () => {
    await relay.beforeApplicationShutdown();
  });

  it('should publish the oldest rows first, in batches, and remove each row only once it is confirmed', async () => {
    outbox.rows = [1, 2, 3, 4, 5].map((n) => entry(n));
    start({ batchSize: 2 });
    await until(() => expect(outbox.rows).toEqual([]));
    expect(publisher.published).toEqual([1, 2, 3, 4, 5].map((n) => entry(n).callbackId));
    expect(outbox.removed).toEqual([['1', '2'], ['3', '4'], ['5']]);
    expect(outbox.rows).toEqual([]);
    expect((await counted(metrics.published))[0].value).toBe(5);
  });

  it('should keep the rows the broker did not confirm, end their lease, count them as failures and send them again', async () => {
    outbox.rows = [1, 2, 3].map((n) => entry(n));
    let refusals = 1;
    publisher.confirm = (id) => !(id === entry(2).callbackId && refusals-- > 0);
    start();
    await until(() => expect(outbox.rows).toEqual([]));
    expect(outbox.removed[0]).toEqual(['1', '3']);
    expect(outbox.released[0]).toEqual(['2']);
    expect(publisher.published.filter((id) => id === entry(2).callbackId)).toHaveLength(2);
    expect(outbox.rows).toEqual([]);
    const failures = await counted(metrics.failures);
    expect(failures.find((value) => (value.labels as { stage: string }).stage === 'publish')?.value).toBe(1);
  });

  it('should remove the rows of callbacks that no longer exist without publishing them', async () => {
    outbox.rows = [entry(1), entry(2, false)];
    start();
    await until(() => expect(outbox.rows).toEqual([]));
    expect(publisher.published).toEqual([entry(1).callbackId]);
    expect(outbox.rows).toEqual([]);
  });

  it('should touch no row while the broker is unreachable, and relay them once it is back', async () => {
    outbox.rows = [entry(1)];
    publisher.openError = new Error('connect ECONNREFUSED 127.0.0.1:5672');
    start();
    const connectFailures = async () =>
      (await counted(metrics.failures)).find((value) => (value.labels as { stage: string }).stage === 'connect')
        ?.value ?? 0;
    await until(async () => (await connectFailures()) >= 2);
    expect(publisher.published).toEqual([]);
    expect(outbox.removed).toEqual([]);
    expect(outbox.claims).toBe(0);

    publisher.openError = undefined;
    await until(() => expect(publisher.published).toEqual([entry(1).callbackId]));
    expect(outbox.rows).toEqual([]);
  });

  it('should look again at once when outbox rows are committed while it waits', async () => {
    start({ pollIntervalMs: 60_000 });
    await until(() => outbox.claims > 0);
    await sleep(10);
    outbox.rows = [entry(7)];
    relay.wake();
    await until(() => expect(publisher.published).toEqual([entry(7).callbackId]));
  });

  it('should publish what is handed off from memory, without claiming nor reading it, once a look found no backlog', async () => {
    outbox.rows = [entry(1)];
    start({ pollIntervalMs: 60_000 });
    expect(relay.handOff().leaseMs).toBe(0);
    // The backlog goes first; once a look finds the table empty, new rows are handed off, leased for twice the timeout.
    await until(() => relay.handOff().leaseMs === 20_000);
    expect(publisher.published).toEqual([entry(1).callbackId]);
    const claims = outbox.claims;
    relay.recorded(outbox.handOff([entry(2), entry(3)]), relay.handOff());
    await until(() => expect(outbox.rows).toEqual([]));
    expect(publisher.published).toEqual([1, 2, 3].map((n) => entry(n).callbackId));
    expect(outbox.removed).toEqual([['1'], ['2', '3']]);
    expect(outbox.claims).toBe(claims);
    expect((await counted(metrics.published))[0].value).toBe(3);
  });

  it('should hand nothing off while the broker is unreachable, and end the lease of what it could not publish', async () => {
    start({ pollIntervalMs: 60_000 });
    await until(() => relay.handOff().leaseMs > 0);
    publisher.openError = new Error('connect ECONNREFUSED 127.0.0.1:5672');
    publisher.status = { reachable: false, since: new Date() };
    expect(relay.handOff().leaseMs).toBe(0);
    // Rows of a statement that was leased just before the broker went away.
    relay.recorded(outbox.handOff([entry(4)]), { leaseMs: 20_000, since: Date.now() });
    await until(() => expect(outbox.released).toEqual([['4']]));
    expect(publisher.published).toEqual([]);
    expect(outbox.leased.has('4')).toBe(false);
  });

  it('should give up handed-off rows whose turn comes too late, leaving them to the look that follows their lease', async () => {
    // Published within half the 40 ms timeout of their hand-off, or not from memory.
    start({ batchSize: 1, pollIntervalMs: 60_000, publishTimeoutMs: 40 });
    await until(() => relay.handOff().leaseMs > 0);
    publisher.delayMs = 30;
    relay.recorded(outbox.handOff([entry(1), entry(2), entry(3)]), relay.handOff());
    await until(() => expect(outbox.removed).toEqual([['1']]));
    // The relay is idle again (it would have published them by now; a loaded machine gets more time).
    await sleep(50);
    expect(publisher.published).toEqual([entry(1).callbackId]);
    expect(outbox.removed).toEqual([['1']]);
    // Not released either: still leased, as the statement wrote them, until their lease ends.
    expect(outbox.released).toEqual([]);
    expect(relay.handOff().leaseMs).toBe(0);
  });

  it('should end the lease of handed-off rows it cannot publish when it stops', async () => {
    start({ pollIntervalMs: 60_000 });
    await until(() => relay.handOff().leaseMs > 0);
    publisher.status = { reachable: false, since: new Date() };
    publisher.openError = new Error('connect ECONNREFUSED 127.0.0.1:5672');
    publisher.delayMs = 1_000;
    relay.recorded(outbox.handOff([entry(5)]), { leaseMs: 20_000, since: Date.now() });
    await relay.beforeApplicationShutdown();
    expect(publisher.published).toEqual([]);
    expect(outbox.released.flat()).toContain('5');
  });

  it('should count a hand-off from when its statement was sent: rows of a statement that took long are left to the table', async () => {
    start({ pollIntervalMs: 60_000, publishTimeoutMs: 40 });
    await until(() => relay.handOff().leaseMs > 0);
    // Sent 1 s ago (a slow statement): past half the 40 ms timeout before its turn could come.
    relay.recorded(outbox.handOff([entry(6)]), { leaseMs: 80, since: Date.now() - 1_000 });
    await until(() => relay.handOff().leaseMs === 0);
    await sleep(30);
    expect(publisher.published).toEqual([]);
    expect(outbox.removed).toEqual([]);
    expect(outbox.released).toEqual([]);
  });

  it('should publish rows stored before it caught up (left in the table) before rows handed off after them', async () => {
    start({ pollIntervalMs: 60_000 });
    await until(() => relay.handOff().leaseMs > 0);
    // A statement sent before the relay caught up committed after its look: its row waits unclaimed.
    outbox.rows.push(entry(8));
    relay.recorded([{ outboxId: '8', callback: entry(8).callback! }], { leaseMs: 0, since: Date.now() });
    relay.recorded(outbox.handOff([entry(9), entry(10)]), relay.handOff());
    await until(() => expect(outbox.rows).toEqual([]));
    expect(publisher.published).toEqual([8, 9, 10].map((n) => entry(n).callbackId));
  });
});
