import { proofOf, runLoad, storedCounts } from '../../support/callback-load';
import { BROKER_SKIP_REASON, BROKER_URL, TestConsumer, uniqueName } from '../../support/broker';
import { ServiceProcess } from '../../support/processes';
import { TcpProxy } from '../../support/tcp-proxy';
import { createTestApp, TestApp } from '../../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Why this machine cannot run these tests, or undefined when it can. */
function skipReason(): string | undefined {
  if (BROKER_SKIP_REASON) {
    return BROKER_SKIP_REASON;
  }
  const url = new URL(process.env.DATABASE_URL ?? 'postgresql://none');
  if (process.env.DB_POOL_SIZE === '1' || (url.username === 'postgres' && url.password === 'postgres')) {
    // The embedded database has one backend for every connection: row locks cannot keep processes apart.
    return 'the embedded database has one backend: several processes need the PostgreSQL server (DATABASE_URL)';
  }
  return undefined;
}

const SKIP = skipReason();
if (SKIP) {
  process.stdout.write(`stream fault tests (SIGKILL, two instances) skipped: ${SKIP}\n`);
}

/**
 * The stream's promise under faults, with the service as real processes on the server PostgreSQL: every
 * committed callback is published (at least once, never one that was not committed), also when the
 * process is killed mid-batch, and two instances on one outbox do not publish a callback twice.
 */
(SKIP ? describe.skip : describe)('the stream to the broker, under faults', () => {
  const exchange = uniqueName('exchange');
  let t: TestApp;
  let consumer: TestConsumer;
  let proxy: TcpProxy;
  const services: ServiceProcess[] = [];

  const serviceEnv = (brokerUrl: string): NodeJS.ProcessEnv => ({
    ...process.env,
    NODE_ENV: 'test',
    BROKER_URL: brokerUrl,
    BROKER_EXCHANGE: exchange,
    LICENSE_RATE_LIMIT_PER_SECOND: '0',
    AUTH_FAILURE_LIMIT: '0',
  });
  const start = async (brokerUrl: string) => {
    const service = await ServiceProcess.start(serviceEnv(brokerUrl));
    services.push(service);
    return service;
  };
  const storedIds = async (enterpriseIds: string[]) =>
    (
      await t.dataSource.query<Array<{ id: string }>>('SELECT id FROM sms_callbacks WHERE enterprise_id = ANY($1)', [
        enterpriseIds,
      ])
    ).map((row) => row.id);
  const waitingInOutbox = async (enterpriseIds: string[]) =>
    (
      await t.dataSource.query<Array<{ count: number }>>(
        `SELECT count(*)::int AS count FROM sms_callback_outbox o JOIN sms_callbacks c ON c.id = o.callback_id
          WHERE c.enterprise_id = ANY($1)`,
        [enterpriseIds],
      )
    )[0].count;
  /** The outbox rows are deleted in the commit that follows the broker's confirms: a moment after delivery. */
  const outboxDrained = async (enterpriseIds: string[]) => {
    for (let i = 0; i < 50 && (await waitingInOutbox(enterpriseIds)) > 0; i++) {
      await sleep(100);
    }
    return waitingInOutbox(enterpriseIds);
  };

  beforeAll(async () => {
    t = await createTestApp();
    consumer = await TestConsumer.connect();
    await consumer.subscribe(exchange);
    proxy = await TcpProxy.start(BROKER_URL);
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    await proxy?.down();
    await consumer?.close();
    await t?.close();
  });

  it('should publish every committed callback when the service is killed (SIGKILL) mid-batch under load', async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => t.issueKey()));
    const enterpriseIds = keys.map((key) => key.enterpriseId);
    const first = await start(proxy.urlFor(BROKER_URL));
    let sending = true;
    const load = runLoad({
      baseUrl: first.url,
      apiKeys: keys.map((key) => key.apiKey),
      running: () => sending,
      maxCallbacks: 8_000,
      requestTimeoutMs: 5_000,
      backoffMs: 50,
    });
    await sleep(2_000);
    // The broker stops answering: the batch being published waits for confirms that do not come, its rows
    // locked, and the callbacks stored from now on wait in the outbox. Then the process dies at once.
    proxy.stall();
    await sleep(1_000);
    await first.stop('SIGKILL');
    sending = false;
    const outcomes = await load;
    const waitingAtKill = await waitingInOutbox(enterpriseIds);
    const proof = proofOf(outcomes, await storedCounts(t.dataSource, enterpriseIds));
    const stored = await storedIds(enterpriseIds);

    await proxy.down();
    await proxy.up();
    await start(proxy.urlFor(BROKER_URL));
    const published = () => new Set(consumer.of(enterpriseIds).map((received) => received.body.data.id)).size;
    await consumer.waitFor(published, stored.length, 60_000);

    const messages = consumer.of(enterpriseIds).map((received) => received.body.data.id);
    const storedSet = new Set(stored);
    process.stdout.write(
      `stream, SIGKILL mid-batch: ${proof.acknowledged} acknowledged, ${stored.length} stored, ${waitingAtKill} ` +
        `waiting in the outbox at the kill; ${messages.length} messages for ${new Set(messages).size} callbacks ` +
        `(${messages.length - new Set(messages).size} sent twice, same messageId)\n`,
    );
    expect(proof.acknowledged).toBeGreaterThan(0);
    expect(proof.lost).toBe(0);
    expect(waitingAtKill).toBeGreaterThan(0);
    expect(stored.filter((id) => !messages.includes(id))).toEqual([]);
    expect(messages.filter((id) => !storedSet.has(id))).toEqual([]);
    expect(await outboxDrained(enterpriseIds)).toBe(0);
  });

  it('should store while the broker is away and publish a backlog of 3,000 within a minute of its return, oldest first', async () => {
    // One instance: with several, each publishes its own batches, oldest first only roughly between them.
    await Promise.all(services.map((service) => service.stop('SIGKILL')));
    const keys = await Promise.all(Array.from({ length: 8 }, () => t.issueKey()));
    const enterpriseIds = keys.map((key) => key.enterpriseId);
    await proxy.down();
    const service = await start(proxy.urlFor(BROKER_URL));
    const outcomes = await runLoad({
      baseUrl: service.url,
      apiKeys: keys.map((key) => key.apiKey),
      running: () => true,
      maxCallbacks: 3_000,
      requestTimeoutMs: 5_000,
    });
    const stored = await storedIds(enterpriseIds);
    expect(outcomes.filter((outcome) => outcome.status !== 201)).toEqual([]);
    // (runLoad's clients may each send one past maxCallbacks)
    expect(stored).toHaveLength(outcomes.length);
    expect(stored.length).toBeGreaterThanOrEqual(3_000);
    expect(consumer.of(enterpriseIds)).toHaveLength(0);

    const returned = Date.now();
    await proxy.up();
    // Distinct callbacks: on a slow machine a batch whose confirms take over 10 s is sent again (same messageId).
    const distinct = () => new Set(consumer.of(enterpriseIds).map((message) => message.body.data.id)).size;
    await consumer.waitFor(distinct, stored.length, 60_000);
    const tookMs = Date.now() - returned;
    // Each callback where it first arrived.
    const firsts = new Map(consumer.of(enterpriseIds).map((message) => [message.body.data.id, message.body.data]));
    const received = [...firsts.values()];
    process.stdout.write(
      `stream, broker outage: a backlog of ${stored.length} published ${tookMs} ms after its return ` +
        `(${consumer.of(enterpriseIds).length - received.length} sent twice)\n`,
    );
    expect(new Set(received.map((data) => data.id))).toEqual(new Set(stored));
    // Oldest first: by the outbox's numbering, which follows the commits; concurrent batches may take
    // their `receivedAt` (their transaction's start) a few milliseconds out of that order, not more.
    const receivedAt = received.map((data) => Date.parse(String(data.receivedAt)));
    let latest = 0;
    const outOfOrder = receivedAt.filter((at) => {
      latest = Math.max(latest, at);
      return at < latest - 1_000;
    });
    expect(outOfOrder).toEqual([]);
    expect(tookMs).toBeLessThan(60_000);
    await service.stop('SIGKILL');
  });

  it('should share one outbox between two instances without publishing a callback twice', async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => t.issueKey()));
    const enterpriseIds = keys.map((key) => key.enterpriseId);
    const [a, b] = await Promise.all([start(BROKER_URL), start(BROKER_URL)]);
    const publishedBy = async (service: ServiceProcess) => {
      const text = await (await fetch(`${service.url}/metrics`)).text();
      return Number(/^sms_callback_stream_published_total (\d+)/m.exec(text)?.[1] ?? NaN);
    };
    const [aBefore, bBefore] = await Promise.all([publishedBy(a), publishedBy(b)]);
    let sending = true;
    const loads = [a, b].map((service, i) =>
      runLoad({
        baseUrl: service.url,
        apiKeys: keys.slice(i * 2, i * 2 + 2).map((key) => key.apiKey),
        running: () => sending,
        maxCallbacks: 3_000,
        requestTimeoutMs: 5_000,
      }),
    );
    await sleep(3_000);
    sending = false;
    const outcomes = (await Promise.all(loads)).flat();
    const stored = await storedIds(enterpriseIds);
    await consumer.waitFor(() => consumer.of(enterpriseIds).length, stored.length, 30_000);
    await sleep(2_000);

    const messages = consumer.of(enterpriseIds).map((received) => received.body.data.id);
    const [aPublished, bPublished] = [(await publishedBy(a)) - aBefore, (await publishedBy(b)) - bBefore];
    process.stdout.write(
      `stream, two instances: ${outcomes.filter((o) => o.status === 201).length} stored (201), ${messages.length} ` +
        `messages, published by the first ${aPublished}, by the second ${bPublished}\n`,
    );
    expect(stored.length).toBeGreaterThan(0);
    expect(messages.length).toBe(stored.length);
    expect(new Set(messages).size).toBe(stored.length);
    expect(aPublished).toBeGreaterThan(0);
    expect(bPublished).toBeGreaterThan(0);
    expect(await outboxDrained(enterpriseIds)).toBe(0);
  });
});
